/**
 * Planned switchover through repmgr's own command — write-up 000 §11, with repmgr making the moves.
 *
 * What repmgr 5.3.3 does (docs "Performing a switchover with repmgr" and `repmgr standby
 * switchover`; code repmgr-action-standby.c `do_standby_switchover`): run on the standby to be
 * promoted, it reaches the primary over passwordless SSH (a prerequisite: "passwordless SSH access
 * is required to those servers from the one where repmgr standby switchover is executed"; pgchaos
 * sets it up for user postgres, RepmgrCluster.setUpSsh), pauses every repmgrd ("repmgr will
 * instruct any running repmgrd instances to pause operations while the switchover is being
 * carried out"), stops the primary cleanly with its `service_stop_command` and waits for its
 * shutdown checkpoint to reach the candidate, promotes the candidate, runs `repmgr node rejoin`
 * on the old primary so that it follows the new one, and, with `--siblings-follow`, has the other
 * standbys follow it too; then it unpauses repmgrd.
 *
 * Its config: repmgr's defaults with `failover=automatic` and the retries at 3 × 2 s
 * (repmgr-config.ts), asynchronous replication. Clients connect to the primary repmgr's view
 * holds, asking it again after every lost connection.
 *
 * What must hold: the outage as the client sees it (its last commit on the old primary to its
 * first on the new one) is measured, and writes come back within the window; the node promoted
 * is the one asked for; repmgr's view records no failover, only the switchover asked for; no
 * acknowledged commit lost (a clean stop sends every commit to the candidate before it is
 * promoted); one primary at a time; every node, the old primary included, ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { scenario, steadyWrites, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, writeOutage } from '../../harness/checks/index.ts';
import { RepmgrManager } from '../../harness/manager/index.ts';
import { SHORT_REPMGR } from './repmgr-config.ts';

/** Writes must be back this long after repmgr's view holds the new primary, ms. */
const RECOVERY_MS = 30_000;
/** The standby asked to take over. */
const TO = 's1';

scenario(
  'repmgr: planned switchover by repmgr standby switchover --siblings-follow',
  async (ctx) => {
    const { rec, startManaged, verify } = ctx;
    const manager = await startManaged();
    if (!(manager instanceof RepmgrManager)) throw new Error('this story runs under manager repmgr');
    const { writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: 500 });
    const before = (await manager.view()).primary!;

    const switched = await manager.switchover(TO);
    rec.step('switchover done', { from: switched.from, to: switched.to, output: switched.output });
    rec.metric('switchoverCommandMs', Math.round(switched.doneT - switched.startedT), { unit: 'ms', better: 'lower' });
    if (switched.from !== before || switched.to !== TO)
      throw new Error(`the switchover went ${switched.from} → ${switched.to}; expected ${before} → ${TO}`);
    const recovered = await verifyRecovered(ctx, writer, { repairT: switched.doneT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    const outage = writeOutage(writer.ledger(), switched.from, switched.to);
    rec.metric('switchoverOutageMs', outage.outageMs === null ? null : Math.round(outage.outageMs), { unit: 'ms', better: 'lower' });
    await holdFor(2000);

    await verifyManagedConsistent(ctx, manager, writer, { lastHealT: switched.doneT, recoveryMs: RECOVERY_MS, failuresAtOnce: 0 });
    verify(checkFailovers(manager.failovers, []));
  },
  { managers: ['repmgr'], repmgr: { config: SHORT_REPMGR }, timeoutMs: 6 * 60_000 },
);
