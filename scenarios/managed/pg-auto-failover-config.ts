/**
 * What the pg_auto_failover stories share: the formation they run on, the monitor's timings their
 * bounds come from, and the setting pg_autoctl writes read back in node names.
 *
 * The formation is pg_auto_failover 2.0's default, as `PgAutoFailoverManager.start` brings it up
 * (ScenarioContext.startManaged under `manager: pg_auto_failover`): a monitor, pg0 and two
 * standbys, candidate priority 50 and replication quorum true on each; `number_sync_standbys` is
 * left to the monitor, which raises it from 0 to 1 when the second quorum standby registers
 * (src/monitor/node_active_protocol.c `RegisterNode`: "The default value for
 * number_sync_standbys with two standby nodes is 1"). The primary then gets
 * `synchronous_standby_names = 'ANY 1 (pgautofailover_standby_<id>, …)'` over every quorum
 * standby, healthy or not (node_active_protocol.c `synchronous_standby_names`,
 * node_metadata.c `GroupListSyncStandbys`). It is also what pg_auto_failover's docs recommend
 * against losing data (docs/architecture-multi-standby.rst): every commit on two nodes.
 * Clients connect with the formation's multi-host URI and `target_session_attrs=read-write`.
 */
import { pollUntil, type ScenarioContext } from '../../harness/index.ts';
import { PgAutoFailoverManager } from '../../harness/manager/index.ts';
import { describeView } from '../../harness/manager/pg-auto-failover/view.ts';

/**
 * `pgautofailover.node_considered_unhealthy_timeout` (src/monitor/pg_auto_failover.c GUCs, 2.0), ms:
 * the monitor holds a node unhealthy (node_metadata.c `IsUnhealthy`) once its pg_autoctl has not
 * reported for this long and the monitor's last health check of its PostgreSQL failed
 * (`health_check_period` 5 s, `health_check_timeout` 5 s, `health_check_max_retries` 2,
 * `health_check_retry_delay` 2 s). The view's `health` 0 is that check alone, seen earlier.
 */
export const UNHEALTHY_MS = 20_000;
/** `pgautofailover.primary_demote_timeout` (30 s): how long the monitor waits for a primary it cannot reach to have stopped before a standby promotes. */
export const DEMOTE_TIMEOUT_MS = 30_000;
/**
 * Within this after a primary's host dies the monitor must have promoted a standby, ms: unhealthy
 * (20 s and a health-check round, 5 s period + 2 retries at 2 s + 5 s timeouts), then
 * `primary_demote_timeout` (30 s), with room for the keepers' 1 s loops (first light measured
 * 44–45 s, findings/2026-12-06-pg-auto-failover-first-light.md).
 */
export const FAILOVER_WITHIN_MS = UNHEALTHY_MS + 20_000 + DEMOTE_TIMEOUT_MS + 20_000;

/**
 * The story's manager: ScenarioContext.startManaged, which under `manager: pg_auto_failover`
 * brings the formation up with its defaults.
 * @throws Error when the config's manager is another (the stories declare `managers: ['pg_auto_failover']`, so it is not).
 */
export async function startPgAutoFailover(ctx: ScenarioContext): Promise<PgAutoFailoverManager> {
  const m = await ctx.startManaged();
  if (!(m instanceof PgAutoFailoverManager)) throw new Error(`a pg_auto_failover story started manager ${m.name}`);
  return m;
}

/**
 * `synchronous_standby_names` as pg_autoctl wrote it (`pgautofailover_standby_<node id>`), with
 * each standby's node name in place of its id, as the promise (`manager.promise().expectedSyncNames`)
 * spells it: `ANY 1 (pgautofailover_standby_2, pgautofailover_standby_3)` → `ANY 1 (s2, s1)`
 * (the monitor's order: candidate priority, then node id).
 * @throws Error when the monitor does not answer or names an id it does not list.
 */
export async function settingInNodeNames(manager: PgAutoFailoverManager, setting: string): Promise<string> {
  const ids = new Map((await manager.cluster.view()).nodes.map((n) => [`pgautofailover_standby_${n.nodeId}`, n.name]));
  return setting.replace(/pgautofailover_standby_\d+/g, (id) => {
    const name = ids.get(id);
    if (!name) throw new Error(`synchronous_standby_names names ${id}, which the monitor does not list`);
    return name;
  });
}

/**
 * The setting the primary holds now, in node names, sorted inside the list so it compares with
 * the promise's `expectedSyncNames` (which lists the standbys in config order).
 * @throws Error when the primary or the monitor does not answer.
 */
export async function primarySetting(manager: PgAutoFailoverManager, primary: string): Promise<string> {
  const named = await settingInNodeNames(manager, await manager.cluster.syncStandbyNames(primary));
  return sortedList(named);
}

/** `ANY 1 (s2, s1)` → `ANY 1 (s1, s2)`; anything else as it is. Pure. */
export function sortedList(setting: string): string {
  return setting.replace(
    /\(([^)]*)\)/,
    (_, list: string) =>
      `(${list
        .split(/\s*,\s*/)
        .sort()
        .join(', ')})`,
  );
}

/**
 * Waits until the monitor has decided `node` is lost: its health check failed (health 0) and it
 * is assigned `catchingup`, which the monitor assigns a secondary it holds unhealthy
 * (group_state_machine.c `ProceedGroupStateForPrimaryNode`, in the same pass that decides
 * whether the primary goes to `wait_primary`), `UNHEALTHY_MS` after its last report.
 * @returns when (ms on the scenario clock). @throws WaitTimeoutError with the last view.
 */
export async function waitLost(ctx: ScenarioContext, manager: PgAutoFailoverManager, node: string, timeoutMs: number): Promise<number> {
  await pollUntil(
    async () => {
      const v = await manager.cluster.view();
      const n = v.nodes.find((x) => x.name === node);
      return n?.health === 0 && n.assigned === 'catchingup' ? { done: true, value: true } : { done: false, seen: describeView(v) };
    },
    { what: `the monitor to hold ${node} unhealthy and assign it catchingup`, timeoutMs, intervalMs: 500 },
  );
  return ctx.rec.step(`the monitor holds ${node} lost (catchingup)`);
}
