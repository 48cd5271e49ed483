/**
 * Standby loss under pgpool-II — write-up 004 (one primary, two standbys, `ANY 1 (s1, s2)`: kill
 * one standby, writes go on; kill the second, every commit waits on SyncRep) and write-up 000
 * (restart them, commits are released as soon as one is back), with pgpool in front.
 *
 * What pgpool-II 4.3.5 does: its health check detaches each standby whose host died and runs
 * failover_command for it, which changes nothing for a standby (failover.sh.sample: "standby node
 * is down. Skipping failover"); pgpool writes no `synchronous_standby_names`
 * (model/pgpool-promise.ts), so PostgreSQL's rule alone says when commits wait (syncrep.c): one
 * standby of `ANY 1 (s1, s2)` left confirms, none left stalls every commit. A standby whose host
 * boots streams again from the primary (its primary_conninfo), which releases the commits; pgpool
 * keeps it detached ("will never return to the previous state (attached state) automatically in
 * the default setting", runtime-config-failover.html) until its operator attaches it by
 * `pcp_attach_node` once it streams (`PgpoolManager.attach`).
 *
 * The story's settings: pgchaos's pgpool defaults with `synchronous_standby_names = 'ANY 1 (s1,
 * s2)'` on the nodes. Clients connect through pgpool's port.
 *
 * What must hold: no stall with one standby gone; every commit stalls with both gone (the model);
 * writes back within the window once one host booted; both attached again by pcp_attach_node (settled); no
 * failover; no acknowledged commit lost (no failover was made); every node ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { readPresentBatches, scenario, steadyWrites, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, checkModelAgreement, checkNoAckedLost, checkStalled, checkSustained } from '../../harness/checks/index.ts';
import { PgpoolManager, viewTable } from '../../harness/manager/index.ts';
import { predict } from '../../harness/model/index.ts';

/** Writes must be back this long after a standby's host booted, ms: boot, PostgreSQL starts, it streams. */
const RECOVERY_MS = 30_000;
/** The observer's interval, ms. */
const OBSERVE_MS = 200;
const SYNC = 'ANY 1 (s1, s2)';

scenario(
  "pgpool: standbys' hosts crash under ANY 1 (s1, s2): no stall for one, stall for both, recovery",
  async (ctx) => {
    const { rec, startManaged, inject, verify } = ctx;
    const manager = await startManaged();
    if (!(manager instanceof PgpoolManager)) throw new Error('this story runs under manager pgpool');
    const { observer, writer, steadyTps } = await steadyWrites(ctx, manager, {
      observeMs: OBSERVE_MS,
      detail: { promise: manager.promise().why },
    });

    // 1. s1's host dies: s2 confirms (the model), writes go on.
    const oneGone = predict({ synchronousStandbyNames: SYNC, standbys: [{ name: 's2' }] });
    const crash1 = await inject(
      manager.cluster,
      { kind: 'crash-host-loud', target: { node: 's1' } },
      { commitsStall: oneGone.commitsStall },
    );
    await holdFor(5000);
    verify(checkSustained(writer.samples(), { fromT: crash1.faultT + 500, toT: rec.clock.now(), steadyTps, fraction: 0.5 }));

    // 2. s2's dies too: no listed standby streams, every commit waits (the model).
    const bothGone = predict({ synchronousStandbyNames: SYNC, standbys: [] });
    if (!bothGone.commitsStall) throw new Error(`the model says ${SYNC} with no standby does not stall`);
    const crash2 = await inject(manager.cluster, { kind: 'crash-host-loud', target: { node: 's2' } }, { commitsStall: true });
    await holdFor(8000);
    rec.step('both standbys lost', { view: viewTable((await manager.view()).rows) });
    // Commits stalled from the crash to now (the writer samples every 100 ms), less 5 intervals:
    // commits in flight at the crash, a partly filled first and last one.
    const minZeroIntervals = Math.floor((rec.clock.now() - crash2.faultT) / 100) - 5;
    const stall = verify(checkStalled(writer.samples(), { faultT: crash2.faultT, withinMs: 2000, minZeroIntervals }));
    rec.metric('stallOnsetMs', stall.evidence.stallMs === null ? null : Math.round(stall.evidence.stallMs));

    // 3. s2's host boots: PostgreSQL starts, streams from pg0 and confirms: commits are released.
    const heal2T = await crash2.heal();
    const recovered = await verifyRecovered(ctx, writer, { repairT: heal2T, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs), {
      unit: 'ms',
      better: 'lower',
    });
    const healT = await crash1.heal();
    for (const n of ['s2', 's1']) rec.step(`pcp_attach_node ${n}`, { output: await manager.attach(n) });
    const end = await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: healT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 2,
      hostCrashed: true,
    });
    // No failover was made: every acknowledged commit must be on the primary whatever the promise.
    verify(checkNoAckedLost(end.primary, writer.ledger(), await readPresentBatches(manager.node(end.primary))));
    verify(checkFailovers(manager.failovers, []));
    verify(checkModelAgreement(observer.samples(), { intervalMs: OBSERVE_MS }));
  },
  { managers: ['pgpool'], timeoutMs: 5 * 60_000, pgpool: { config: { postgresql: { synchronous_standby_names: SYNC } } } },
);
