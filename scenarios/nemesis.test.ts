/**
 * The nemesis: faults nobody scripted, in orders nobody tried, drawn from a seed that replays.
 * Per seed (`--seed`, default 1) or saved schedule (`--schedule`), on the user's HA config:
 *
 * 1. the cluster, the writer (200 batches/s unless the config sets a rate, so that what is
 *    judged is the faults, not whether standbys keep up with an unthrottled writer) and the
 *    manager, through the seam every HA manager fits (harness/manager/manager.ts): the built-in
 *    operator, the write-ups' failover procedure as a loop (write-up 000 §11, write-up 001);
 * 2. the schedule: faults from the catalogue, at most two at once, each healed, over
 *    `--duration` seconds; the operator fails over when the primary stays unreachable;
 * 3. the recovery window: the operator rejoins old primaries (pg_rewind or a re-clone) and
 *    repoints standbys, until every standby streams from the primary; writes back at half the
 *    steady rate or more;
 * 4. what must hold however the faults fell: every standby streaming with the model's
 *    sync_state; equal row hashes; one primary at a time (ledger and timelines); no
 *    acknowledged batch lost where the config promises it (model/durability.ts: with the
 *    most-advanced promotion `ANY 1` survives one failure; async promises nothing, and loss is
 *    then measured and reported). An operator told to promote the least advanced standby
 *    breaks the config's promise, and the story says so.
 * A failing run's record holds its schedule; the rerun command replays it.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as holdFor } from 'node:timers/promises';
import { onTestFinished } from 'vitest';
import { pollUntil, readPresentBatches, scenario, userConfig, verifyConsistent, verifyRecovered, WAL_MOUNT_MB } from '../harness/index.ts';
import {
  checkLossAgainstPromise,
  checkNoAckedLost,
  faultImpacts,
  impactByKind,
  lossExposure,
  meanTps,
  writeAvailability,
  writesBackT,
} from '../harness/checks/index.ts';
import {
  DEFAULT_FAULT_KINDS,
  DEFAULT_RECOVERY_MS,
  defaultLimits,
  describeSchedule,
  generateSchedule,
  Nemesis,
  type Schedule,
  validateSchedule,
} from '../harness/nemesis/index.ts';

/** Batches per second unless the config sets a rate (see the standby-loss matrix for why a rate). */
const RATE_TPS = 200;
/** Steady writes measured before the first fault, after a second of warm-up, ms. */
const STEADY_MS = 2000;
const config = userConfig();
const saved = config.nemesis.schedule ? validateSchedule(JSON.parse(readFileSync(config.nemesis.schedule, 'utf8'))) : null;

for (const seed of saved ? [saved.seed] : config.nemesis.seeds) {
  const title = saved ? `nemesis: saved schedule of seed ${seed}` : `nemesis: seed ${seed}`;
  scenario(
    title,
    async (ctx) => {
      const { rec, startManager, startWriter, startObserver, verify } = ctx;
      const kinds = saved ? saved.faults.map((f) => f.kind) : (config.nemesis.kinds ?? DEFAULT_FAULT_KINDS);
      // The manager asks nothing of the nemesis; the story tells it which nodes a fault holds.
      let nemesis: Nemesis | undefined;
      const manager = await startManager({
        cluster: kinds.includes('wal-full') ? { walMountMb: config.nemesis.walMountMb ?? WAL_MOUNT_MB } : {},
        operator: { promote: config.nemesis.promote, busy: (n) => nemesis?.busy(n) ?? false },
      });
      const cluster = manager.cluster;
      const schedule: Schedule =
        saved ??
        generateSchedule(seed, defaultLimits({ kinds, standbys: cluster.standbys.length, durationMs: config.nemesis.durationS * 1000 }));
      rec.metric('seed', seed);
      rec.nemesis = { seed, schedule };
      rec.step('schedule', { text: describeSchedule(schedule) });
      const observer = startObserver(cluster);
      const writer = await startWriter(cluster, config.writer.rateTps === undefined ? { rateTps: RATE_TPS } : {});
      nemesis = new Nemesis(cluster, rec);
      const steadyFrom = rec.step('steady writes') + 1000;
      await holdFor(STEADY_MS + 1000);
      const steadyTps = meanTps(writer.samples(), steadyFrom, rec.clock.now());
      rec.metric('steadyTps', Math.round(steadyTps));
      // Whatever ends the test (a timeout, Ctrl-C), the schedule and the manager stop with it.
      const abort = new AbortController();
      onTestFinished(async () => {
        abort.abort();
        await manager.stop();
      });
      manager.start();
      let played: Awaited<ReturnType<Nemesis['play']>>;
      let notSettled: unknown = null;
      try {
        played = await nemesis.play(schedule, abort.signal);
        const lastHealT = rec.clock.now();
        rec.nemesis.injected = played.injected;
        rec.nemesis.skipped = played.skipped;
        rec.metric('faultsInjected', played.injected.length);
        rec.metric('faultsSkipped', played.skipped.length);
        rec.metric('mostFailedAtOnce', played.mostFailedAtOnce);
        rec.metric('maxInjectDriftMs', Math.max(0, ...played.injected.map((i) => i.driftMs)));
        rec.step('every fault healed: recovery window', { withinMs: schedule.recoveryMs });
        // A cluster that never settles fails the story, but only after the loss below is judged and recorded.
        notSettled = await pollUntil(
          async () =>
            (await manager.settled().catch(() => false)) ? { done: true, value: true } : { done: false, seen: (await manager.view()).raw },
          {
            what: 'the manager to rejoin every node and every standby to stream from the primary',
            timeoutMs: schedule.recoveryMs,
            intervalMs: 500,
          },
        ).then(
          () => (rec.metric('settledAfterHealMs', Math.round(rec.clock.now() - lastHealT)), null),
          (e: unknown) => e,
        );
        // Writes back within the recovery window, at half the steady rate or more.
        await verifyRecovered(ctx, writer, { repairT: lastHealT, withinMs: schedule.recoveryMs, steadyTps });
      } finally {
        await manager.stop();
      }
      rec.metric('failovers', manager.failovers.length);
      await writer.stop();
      // Each failover with when the writer saw writes come back on the new primary.
      rec.nemesis.failovers = manager.failovers.map((f) => ({ ...f, writesBackT: writesBackT(writer.ledger(), f) }));

      // Acknowledged writes: lost only where the config does not promise them. Judged before the
      // checks that need a settled cluster, so that a run that never settles still says what it lost.
      const lost = checkNoAckedLost(cluster.primary.name, writer.ledger(), await readPresentBatches(cluster.primary));
      rec.metric('lostAcked', lost.evidence.lostAcked);
      const promise = manager.promise();
      // Who was out when each promotion was decided, and whether a host crashed (checks/readings/loss-exposure.ts).
      const seen = lossExposure({
        injected: played.injected,
        skipped: played.skipped,
        failovers: manager.failovers,
        primaryCrashLoses: promise.primaryCrashLoses,
      });
      rec.nemesis.outAtPromotion = seen.outAtPromotion;
      rec.metric('failuresAtOnce', seen.failuresAtOnce);
      verify(checkLossAgainstPromise(lost.evidence, promise, seen.failuresAtOnce, { hostCrashed: seen.hostCrashed }));

      // Per fault and per kind: how long commits stopped while it was in effect, and came back after its heal (reported, not judged).
      rec.nemesis.impacts = faultImpacts(writer.samples(), played.injected, steadyTps);
      rec.nemesis.byKind = impactByKind(rec.nemesis.impacts);
      // How long writes stayed out while nodes enough to commit had no fault on them (reported: see checks/readings/write-availability.ts).
      const availability = writeAvailability({
        samples: writer.samples(),
        faults: played.injected,
        nodes: cluster.nodes.map((n) => n.name),
        rule: cluster.commitRule(),
      });
      rec.nemesis.writeAvailability = availability;
      rec.metric('writesOutWhilePossibleMs', Math.round(availability.worst?.overdueMs ?? 0));

      if (notSettled !== null) throw notSettled;
      // After the final heal: every standby streaming with the model's sync_state, then equal row hashes and one primary at a time.
      rec.step('every standby streaming as the model predicts', { rows: await cluster.waitForStreaming({ timeoutMs: 30_000 }) });
      await verifyConsistent(ctx, cluster, writer, { observer, lossJudged: true });
    },
    {
      timeoutMs: (saved?.durationMs ?? config.nemesis.durationS * 1000) + DEFAULT_RECOVERY_MS + 5 * 60_000,
      seed,
      rerunArgs: rerunArgs(seed),
    },
  );
}

/** The flags that replay this story's run: the saved schedule, or the seed with what shapes its schedule and operator. */
function rerunArgs(seed: number): string[] {
  const n = config.nemesis;
  if (n.schedule) return ['--schedule', n.schedule, ...(n.promote !== 'most-advanced' ? ['--promote', n.promote] : [])];
  return [
    '--seed',
    String(seed),
    '--duration',
    String(n.durationS),
    ...(n.promote !== 'most-advanced' ? ['--promote', n.promote] : []),
    ...(n.kinds ? ['--kinds', n.kinds.join(',')] : []),
  ];
}
