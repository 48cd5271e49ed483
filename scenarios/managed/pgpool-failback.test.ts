/**
 * Failback — write-up 001 with pgpool-II making the moves: the primary's host fails, pgpool fails
 * over to s1; the old primary's host boots, and pgpool's online recovery brings it back as a
 * standby (write-up 001 sets it up: `CREATE EXTENSION pgpool_recovery`; pgpool-II 4.3.5 docs,
 * runtime-online-recovery.html, pcp-recovery-node.html); then `pcp_promote_node --switchover`
 * makes it the primary again, as the cluster was before the failure.
 *
 * What pgpool does (manager/pgpool/scripts.ts, after its samples): `pcp_recovery_node -n 0` runs
 * `recovery_1st_stage` on the primary through pgpool_recovery, which stops pg0's PostgreSQL (the
 * booted host started it as a primary: nothing fenced it) and clones it again from s1 with
 * pg_basebackup over SSH; `pgpool_remote_start` starts it, and pgpool attaches it. The switchover
 * then promotes pg0 by failover.sh and follow_primary.sh rewinds s1 and s2 to follow it.
 *
 * The story's settings: pgchaos's pgpool defaults, asynchronous replication (nothing promised).
 *
 * What must hold: writes come back after the failover and after the switchover, each within the
 * window; the online recovery's time is measured; pgpool ends routing to pg0 with s1 and s2 its
 * standbys (settled); one failover (pg0 → s1), the switchover no failover; one primary at a time;
 * every node ends with the same rows; the loss is judged against the promise.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { awaitFailover, pollUntil, scenario, steadyWrites, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers } from '../../harness/checks/index.ts';
import { PgpoolManager, viewTable } from '../../harness/manager/index.ts';

/** Writes must be back this long after each move, ms. */
const RECOVERY_MS = 60_000;

scenario(
  'pgpool: failback of the old primary by online recovery (pcp_recovery_node), then a switchover back to it',
  async (ctx) => {
    const { rec, startManaged, inject, verify } = ctx;
    const manager = await startManaged();
    if (!(manager instanceof PgpoolManager)) throw new Error('this story runs under manager pgpool');
    const { writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: 500 });

    const crash = await inject(manager.cluster, { kind: 'crash-host-loud', target: 'primary' });
    const failover = await awaitFailover(manager, 'pgpool to promote a standby after pg0 crashed', RECOVERY_MS);
    await verifyRecovered(ctx, writer, { repairT: failover.promotedT, withinMs: RECOVERY_MS, steadyTps });
    await crash.heal();
    await holdFor(3000);

    // pgpool's online recovery of pg0: cloned again from s1, started, attached.
    const recoverFrom = rec.clock.now();
    const output = await manager.recover('pg0');
    rec.metric('onlineRecoveryMs', Math.round(rec.clock.now() - recoverFrom), { unit: 'ms', better: 'lower' });
    rec.step('pcp_recovery_node output', { output });
    await pollUntil(
      async () => ((await manager.settled()) ? { done: true, value: true } : { done: false, seen: viewTable((await manager.view()).rows) }),
      { what: 'pg0 attached and streaming from s1', timeoutMs: 60_000, intervalMs: 500 },
    );

    // And back: pg0 the primary again by pgpool's switchover.
    const switched = await manager.switchover('pg0');
    rec.metric('switchbackCommandMs', Math.round(switched.doneT - switched.startedT), { unit: 'ms', better: 'lower' });
    await verifyRecovered(ctx, writer, { repairT: switched.doneT, withinMs: RECOVERY_MS, steadyTps });
    await holdFor(2000);
    const end = await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: switched.doneT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    if (end.primary !== 'pg0') throw new Error(`after the switchover back pgpool routes to ${end.primary}, not pg0`);
    verify(
      checkFailovers(manager.failovers, [
        { from: 'pg0', to: ['s1'], why: 'pgpool promotes the live standby with the smallest node id (%m)' },
      ]),
    );
  },
  { managers: ['pgpool'], timeoutMs: 8 * 60_000 },
);
