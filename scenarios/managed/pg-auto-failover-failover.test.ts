/**
 * Unplanned failover on a crash of the primary's host — write-up 000 §11 and write-up 003 §四,
 * with pg_auto_failover making the moves.
 *
 * What pg_auto_failover 2.0 does (docs/failover-state-machine.rst, docs/architecture-multi-standby.rst;
 * code src/monitor/health_check_worker.c, node_metadata.c `IsUnhealthy`, group_state_machine.c
 * `ProceedGroupStateForMSFailover`, `BuildCandidateList`, `SelectFailoverCandidateNode`): the
 * monitor health-checks every node's PostgreSQL; a primary whose checks fail and whose
 * pg_autoctl has not reported for `node_considered_unhealthy_timeout` (20 s) is unhealthy. The
 * monitor assigns it `draining` and every standby `report_lsn`; once each quorum standby has
 * reported, it selects the candidate of highest candidate priority and, among those, the most
 * advanced reported LSN (fetching missing WAL from a more advanced standby first, `fast_forward`).
 * The candidate goes `prepare_promotion` → `stop_replication`, and promotes (`wait_primary`) only
 * once the old primary has been unreachable for `primary_demote_timeout` (30 s), so that it has
 * stopped taking writes by itself (its own pg_autoctl demotes it when it cannot reach the
 * monitor). The new primary is `primary` again once a standby follows it. Clients using the
 * multi-host URI with `target_session_attrs=read-write` reach it as soon as it takes writes.
 *
 * Its config: pg_auto_failover's defaults (scenarios/managed/pg-auto-failover-config.ts): two
 * quorum standbys of priority 50, `ANY 1 (…)`, number_sync_standbys 1.
 *
 * What must hold: the monitor promotes a standby within its timings (FAILOVER_WITHIN_MS), one with
 * the most advanced LSN the standbys reported (equal priorities); writes come back within the
 * window; the failover as the client sees it (the crash to the first commit on the new primary)
 * and the deposed primary's write window (its host is dead: none expected) are measured; no
 * acknowledged commit lost (`ANY 1`: one failure survives, model/pg-auto-failover-promise.ts);
 * pg_stat_replication agrees with the model at every sample; one primary at a time; after the
 * host boots again every node has the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import {
  awaitFailover,
  scenario,
  steadyWrites,
  verifyFailoverSeen,
  verifyManagedConsistent,
  verifyRecovered,
} from '../../harness/index.ts';
import { compareLsn } from '../../harness/lsn.ts';
import { FAILOVER_WITHIN_MS, startPgAutoFailover } from './pg-auto-failover-config.ts';

/** Writes must be back this long after the promotion, and after the heal, ms. */
const RECOVERY_MS = 30_000;
/** The observer's interval, ms: each sample connects through the multi-host URI. */
const OBSERVE_MS = 200;

scenario(
  "pg_auto_failover: unplanned failover on the primary's host crash",
  async (ctx) => {
    const { rec, inject } = ctx;
    const manager = await startPgAutoFailover(ctx);
    const { observer, writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: OBSERVE_MS });

    // The primary's host loses power: peers learn of it only through timeouts.
    const crash = await inject(manager.cluster, { kind: 'crash-host-silent', target: 'primary' });
    const oldPrimary = crash.nodes[0]!;
    const failover = await awaitFailover(
      manager,
      `pg_auto_failover to promote a standby after ${oldPrimary}'s host crashed`,
      FAILOVER_WITHIN_MS,
    );
    rec.metric('unhealthyAfterCrashMs', Math.round(failover.detectedT - crash.faultT), { unit: 'ms', better: 'lower' });
    rec.metric('promotedAfterCrashMs', Math.round(failover.promotedT - crash.faultT), { unit: 'ms', better: 'lower' });
    // From the promotion the monitor's view shows: a commit in flight at the crash is not writes back.
    const recovered = await verifyRecovered(ctx, writer, { repairT: failover.promotedT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    await holdFor(3000); // writes on the new primary, with its one standby

    // The host boots again; pg_autoctl starts there and rejoins it as a standby of the new primary.
    const healT = await crash.heal();
    const end = await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: healT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    // Equal priorities: the monitor promotes a standby with the most advanced LSN reported
    // (positions: what the standbys reported when the monitor chose, most advanced first).
    const reported = failover.positions.flatMap((p) => (p.receiveLsn ? [{ name: p.name, lsn: p.receiveLsn }] : []));
    const top = reported[0]?.lsn;
    const mostAdvanced = top ? reported.filter((p) => compareLsn(p.lsn, top) === 0).map((p) => p.name) : [];
    verifyFailoverSeen(ctx, manager, end, {
      faultT: crash.faultT,
      observer,
      observeMs: OBSERVE_MS,
      predicted: [
        {
          from: oldPrimary,
          to: mostAdvanced,
          why: `equal candidate priority: the most advanced reported LSN (${reported.map((p) => `${p.name} ${p.lsn}`).join(', ') || 'none seen'})`,
        },
      ],
    });
  },
  { managers: ['pg_auto_failover'], timeoutMs: 5 * 60_000 },
);
