/**
 * Unplanned failover on a crash of the leader's host — write-up 000 §11 and write-up 003 §四, with
 * Patroni making the moves.
 *
 * What Patroni 3.0.2 does (docs/replication_modes.rst, docs/SETTINGS.rst "Dynamic configuration
 * settings"; code patroni/ha.py `_run_cycle`, `is_healthiest_node`, `is_failover_possible`,
 * `enforce_primary_role`): the leader holds a key in the DCS that lives `ttl` seconds and is
 * renewed every `loop_wait`. A crashed host renews nothing; when the key expires, each replica's
 * HA loop sees no leader and races for it. Under `synchronous_mode` only the latest leader or the
 * standby published in the DCS `/sync` key may take it ("A node that is not the leader or current
 * synchronous standby is not allowed to promote itself automatically"), so the sync standby
 * promotes, and Patroni "will not promote a standby unless it is certain that the standby contains
 * all transactions that may have returned a successful commit status to client". HAProxy then
 * sends clients to the node answering `GET /primary` with 200, after `rise` good checks.
 *
 * Its own config, run when the user gives no patroni.yml: `synchronous_mode` with `synchronous_mode_strict`
 * and the fault tests' timings (ttl 10, loop_wait 2, retry_timeout 4), `use_pg_rewind` so the old
 * leader can rejoin after the heal. Clients connect through HAProxy (inter 3 s, fall 3, rise 2).
 *
 * What must hold: Patroni promotes the sync standby; writes come back within the window, and the
 * failover as the client sees it (last commit on the old leader to the first on the new one) is
 * measured; the deposed leader's write window is measured (its host is dead: none expected); no
 * acknowledged commit lost (one failure under strict synchronous mode is promised); the
 * `synchronous_standby_names` Patroni writes agrees with pg_stat_replication at every sample
 * (the model); one primary at a time; after the host boots again, every node has the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import {
  awaitFailover,
  scenario,
  steadyWrites,
  syncStandby,
  verifyFailoverSeen,
  verifyManagedConsistent,
  verifyRecovered,
} from '../../harness/index.ts';
import { STRICT_PATRONI } from './patroni-config.ts';

/** Writes must be back this long after the promotion, and after the heal, ms: HAProxy's fall and rise, with room. */
const RECOVERY_MS = 60_000;
/** The observer's interval, ms. */
const OBSERVE_MS = 200;

scenario(
  "patroni: unplanned failover on the leader's host crash",
  async (ctx) => {
    const { rec, startManaged, inject } = ctx;
    const manager = await startManaged();
    // The writer and the observer connect as the application does: through HAProxy.
    const {
      observer,
      writer,
      steadyTps,
      meanwhile: sync,
    } = await steadyWrites(ctx, manager, { observeMs: OBSERVE_MS, meanwhile: () => syncStandby(manager) });

    // The leader's host dies (docker kill). Patroni's key expires after ttl; the sync standby takes it.
    const crash = await inject(manager.cluster, { kind: 'crash-host-loud', target: 'primary' }, { syncStandby: sync });
    const oldLeader = crash.nodes[0]!;
    const failover = await awaitFailover(manager, `Patroni to promote a replica after ${oldLeader}'s host crashed`, RECOVERY_MS);
    rec.metric('promotedAfterCrashMs', Math.round(failover.promotedT - crash.faultT), { unit: 'ms', better: 'lower' });
    // From the promotion Patroni's view shows: a commit in flight at the crash is not writes back.
    const recovered = await verifyRecovered(ctx, writer, { repairT: failover.promotedT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    await holdFor(3000); // writes on the new leader, with its new sync standby

    // The host boots again; Patroni starts there and rejoins it as a replica of the new leader.
    const healT = await crash.heal();
    const end = await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: healT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    // One failover, to the standby /sync named: Patroni promotes no other under synchronous_mode.
    verifyFailoverSeen(ctx, manager, end, {
      faultT: crash.faultT,
      observer,
      observeMs: OBSERVE_MS,
      predicted: [{ from: oldLeader, to: [sync], why: 'the sync standby in /sync (replication_modes.rst)' }],
    });
  },
  { managers: ['patroni'], patroni: { config: STRICT_PATRONI, modes: ['sync', 'strict'] }, timeoutMs: 6 * 60_000 },
);
