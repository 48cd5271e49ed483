/**
 * Standby loss under pg_auto_failover 2.0's default formation — write-ups 004 (§8, §9) and 000
 * (§10), with pg_auto_failover writing `synchronous_standby_names`.
 *
 * What pg_auto_failover 2.0 does (docs/architecture-multi-standby.rst; code
 * src/monitor/node_active_protocol.c `synchronous_standby_names`, `RegisterNode`,
 * src/monitor/group_state_machine.c `ProceedGroupStateForPrimaryNode`): with two standbys in the
 * replication quorum the monitor sets `number_sync_standbys` to 1 and the primary's setting to
 * `ANY 1 (pgautofailover_standby_<s1>, pgautofailover_standby_<s2>)`, listing every quorum
 * standby whether it is healthy or not. There is no "the" sync standby: either one confirms a
 * commit. When the monitor finds a standby unhealthy it assigns it `catchingup`; the primary stays
 * `primary` while a quorum secondary is left. With none left it goes to `wait_primary` (setting
 * `''`, writes go on alone) only when number_sync_standbys is 0; otherwise "Writes are blocked
 * until one of the two defective standby nodes is available again" (group_state_machine.c): the
 * primary stays `primary` and the setting stays as it was.
 *
 * The story, on that default (scenarios/managed/pg-auto-failover-config.ts):
 *  1. s1's host crashes. The model (syncrep.c): with `ANY 1 (s1, s2)` and s2 streaming, commits
 *     do not stall; writes go on at their steady rate; the setting is unchanged.
 *  2. s2's host crashes too. The model: no listed standby streams, commits stall. The monitor
 *     holds s2 unhealthy (no report for 20 s, health check failed) and assigns it `catchingup`;
 *     number_sync_standbys being 1, it keeps the primary in `primary` with the same setting:
 *     commits stay stalled past that point.
 *  3. s2's host boots, pg_autoctl starts: it streams again, confirms, commits are released and
 *     writes come back within the window; then s1's.
 * What must hold: the setting pg_autoctl wrote is the one the promise computes
 * (model/pg-auto-failover-promise.ts `expectedSyncNames`); pg_stat_replication agrees with the
 * model at every sample; no failover; no acknowledged commit lost; every node ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { readPresentBatches, scenario, steadyWrites, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, checkModelAgreement, checkNoAckedLost, checkStalled, checkSustained } from '../../harness/checks/index.ts';
import { predict } from '../../harness/model/index.ts';
import { primarySetting, sortedList, startPgAutoFailover, UNHEALTHY_MS, waitLost } from './pg-auto-failover-config.ts';

/** Writes must be back this long after a standby's host booted, ms: boot, pg_autoctl starts PostgreSQL, it streams. */
const RECOVERY_MS = 30_000;
/** The observer's interval, ms: each sample connects through the multi-host URI. */
const OBSERVE_MS = 200;

scenario(
  "pg_auto_failover: standbys' hosts crash under number_sync_standbys 1: no stall for one, stall for both, recovery",
  async (ctx) => {
    const { rec, inject, verify } = ctx;
    const manager = await startPgAutoFailover(ctx);
    const { observer, writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: OBSERVE_MS });

    // The setting pg_autoctl wrote, in node names, is the one the promise computes from the formation.
    const view = await manager.cluster.view();
    const primary = (await manager.view()).primary!;
    const promise = manager.promise();
    const setting = await primarySetting(manager, primary);
    rec.step('the setting pg_autoctl wrote', {
      synchronous_standby_names: setting,
      number_sync_standbys: await manager.cluster.numberSyncStandbys(),
      promise: promise.why,
    });
    if (setting !== sortedList(promise.expectedSyncNames))
      throw new Error(`pg_autoctl wrote synchronous_standby_names ${setting}; the promise computes ${promise.expectedSyncNames}`);
    if (promise.dropsToStandalone)
      throw new Error(`this story asserts number_sync_standbys ≥ 1; the formation has ${promise.numberSyncStandbys}`);
    const [first, second] = manager.nodeNames.filter((n) => n !== primary).sort();
    const appName = (n: string) => `pgautofailover_standby_${view.nodes.find((x) => x.name === n)!.nodeId}`;
    const named = observer.latest()!.settings!.synchronousStandbyNames;

    // 1. One standby's host dies: the other confirms (the model), writes go on.
    const oneGone = predict({ synchronousStandbyNames: named, standbys: [{ name: appName(second!) }] });
    const crash1 = await inject(
      manager.cluster,
      { kind: 'crash-host-loud', target: { node: first! } },
      { named, commitsStall: oneGone.commitsStall },
    );
    await holdFor(5000);
    if (!oneGone.commitsStall)
      verify(checkSustained(writer.samples(), { fromT: crash1.faultT + 500, toT: rec.clock.now(), steadyTps, fraction: 0.5 }));

    // 2. The other's dies too: no listed standby streams, commits wait (the model).
    const bothGone = predict({ synchronousStandbyNames: named, standbys: [] });
    const crash2 = await inject(
      manager.cluster,
      { kind: 'crash-host-loud', target: { node: second! } },
      { named, commitsStall: bothGone.commitsStall },
    );
    // Past the monitor's decision point: once it holds both lost (catchingup), under
    // number_sync_standbys 1 it keeps the primary in `primary` with the same setting, so nothing
    // releases the commits (with 0 it would assign wait_primary and '' in the same pass).
    await waitLost(ctx, manager, first!, UNHEALTHY_MS + 30_000);
    const lostT = await waitLost(ctx, manager, second!, UNHEALTHY_MS + 30_000);
    await holdFor(2000); // the primary's pg_autoctl applies what it is assigned within a loop (1 s)
    const held = (await manager.cluster.view()).nodes.find((n) => n.name === primary)!;
    const settingThen = await primarySetting(manager, primary);
    rec.step('both standbys lost: what the monitor kept', {
      primary: `${held.reported}/${held.assigned}`,
      synchronous_standby_names: settingThen,
    });
    if (held.assigned !== 'primary' || settingThen !== setting)
      throw new Error(
        `with number_sync_standbys ${promise.numberSyncStandbys} the monitor must keep ${primary} primary with ${setting}; it assigned ${held.assigned} with ${settingThen}`,
      );
    if (bothGone.commitsStall) {
      // Commits stalled from the crash to now (the writer samples every 100 ms), less 5 intervals:
      // commits in flight at the crash, a partly filled first and last one.
      const minZeroIntervals = Math.floor((rec.clock.now() - crash2.faultT) / 100) - 5;
      const stall = verify(checkStalled(writer.samples(), { faultT: crash2.faultT, withinMs: 2000, minZeroIntervals }));
      rec.metric('stallOnsetMs', stall.evidence.stallMs === null ? null : Math.round(stall.evidence.stallMs));
    }
    rec.metric('stalledPastLostMs', Math.round(rec.clock.now() - lostT), { unit: 'ms', better: 'none' });

    // 3. s2's host boots; pg_autoctl starts PostgreSQL, it streams and confirms: commits are released.
    const heal2T = await crash2.heal();
    const recovered = await verifyRecovered(ctx, writer, { repairT: heal2T, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs), {
      unit: 'ms',
      better: 'lower',
    });
    const healT = await crash1.heal();
    // Two nodes were down at once, beyond what the promise covers at a failover; but no failover
    // was made, so every acknowledged commit must be on the primary whatever the promise.
    const end = await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: healT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 2,
      hostCrashed: true,
    });
    verify(checkNoAckedLost(end.primary, writer.ledger(), await readPresentBatches(manager.node(end.primary))));
    verify(checkFailovers(manager.failovers, [])); // a standby loss is no failover
    verify(checkModelAgreement(observer.samples(), { intervalMs: OBSERVE_MS }));
    // The setting at the end, once both are back, is the one it started with.
    const atEnd = await primarySetting(manager, primary);
    if (atEnd !== setting) throw new Error(`after both standbys rejoined, synchronous_standby_names is ${atEnd}, not ${setting}`);
  },
  { managers: ['pg_auto_failover'], timeoutMs: 5 * 60_000 },
);
