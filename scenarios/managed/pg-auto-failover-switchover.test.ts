/**
 * Planned switchover through pg_auto_failover's own command — write-up 000 §11, with
 * pg_auto_failover making the moves.
 *
 * What pg_auto_failover 2.0 does (docs/ref/pg_autoctl_perform_switchover.rst,
 * docs/failover-state-machine.rst; code src/bin/pg_autoctl/cli_perform.c, src/monitor/
 * group_state_machine.c `ProceedGroupStateForMSFailover`, `SelectFailoverCandidateNode`,
 * src/bin/pg_autoctl/fsm.c): `pg_autoctl perform switchover` calls the monitor's
 * `perform_failover()`: the primary is assigned `draining` (its pg_autoctl stops PostgreSQL, a
 * fast shutdown whose walsenders send what is left to the connected standbys), every standby
 * `report_lsn`; once each has reported, the monitor selects the candidate with the highest
 * candidate priority and, among those, the most advanced reported LSN (`fast_forward` first if
 * it lacks WAL another standby has), assigns it `prepare_promotion` → `stop_replication` →
 * `wait_primary` → `primary`; the old primary rejoins as a standby (`demoted` → `catchingup` →
 * `secondary`, pg_rewind having nothing to undo after a clean stop). The command waits for the
 * monitor to report a new primary (up to 60 s).
 *
 * Its config: pg_auto_failover's defaults (scenarios/managed/pg-auto-failover-config.ts): two
 * quorum standbys of equal priority, `ANY 1 (…)`, number_sync_standbys 1; clients through the
 * formation's multi-host URI with `target_session_attrs=read-write`, which reach the new primary
 * once it takes writes.
 *
 * What must hold: the outage as the client sees it (its last commit on the old primary to its
 * first on the new one) is measured, and writes come back within the window; the node promoted
 * is one of the standbys; the monitor's view records no failover, only the switchover asked
 * for; no acknowledged commit lost (model/pg-auto-failover-promise.ts: nothing is lost by a
 * promotion of a node every quorum standby reported to); one primary at a time; every node ends
 * with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { scenario, steadyWrites, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, writeOutage } from '../../harness/checks/index.ts';
import { startPgAutoFailover } from './pg-auto-failover-config.ts';

/** Writes must be back this long after the monitor holds the new primary, ms. */
const RECOVERY_MS = 30_000;

scenario(
  'pg_auto_failover: planned switchover by pg_autoctl perform switchover',
  async (ctx) => {
    const { rec, verify } = ctx;
    const manager = await startPgAutoFailover(ctx);
    // The writer and the observer connect as the application does: the multi-host URI, read-write.
    const { writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: 500 });
    const before = (await manager.view()).primary!;
    const standbys = manager.nodeNames.filter((n) => n !== before);

    // pg_autoctl perform switchover; the manager waits until the monitor holds another primary.
    const switched = await manager.switchover();
    rec.step('switchover done', { from: switched.from, to: switched.to, output: switched.output });
    rec.metric('switchoverCommandMs', Math.round(switched.doneT - switched.startedT), { unit: 'ms', better: 'lower' });
    if (switched.from !== before || !standbys.includes(switched.to))
      throw new Error(`the switchover went ${switched.from} → ${switched.to}; expected ${before} → one of ${standbys.join(', ')}`);
    // From when the monitor holds the new primary: commits acknowledged before the old one drained are not writes back.
    const recovered = await verifyRecovered(ctx, writer, { repairT: switched.doneT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    const outage = writeOutage(writer.ledger(), switched.from, switched.to);
    rec.metric('switchoverOutageMs', outage.outageMs === null ? null : Math.round(outage.outageMs), { unit: 'ms', better: 'lower' });
    await holdFor(2000); // writes on the new primary with both standbys back

    await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: switched.doneT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 0,
    });
    // The monitor's view showed the primary change asked for, and no other.
    verify(checkFailovers(manager.failovers, []));
  },
  { managers: ['pg_auto_failover'], timeoutMs: 5 * 60_000 },
);
