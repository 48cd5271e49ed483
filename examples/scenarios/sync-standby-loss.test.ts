/**
 * Losing the synchronous standby under FIRST 1 (s1, s2) with remote_apply.
 *
 * Our config names s1 first, so s1 is `sync` and s2 `potential`. When s1's host dies, s2 must
 * take over as `sync` at once and commits must go on (a commit under remote_apply waits for the
 * sync standby to apply it, so a slow takeover would show as a stall). s1 comes back as
 * `potential` behind s2 and, once caught up, is `sync` again. At the end no acknowledged
 * commit is lost and every node has the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { scenario, verifyConsistent } from 'pgchaos';
import { checkSustained, checkSyncSequence, meanTps } from 'pgchaos/checks';

scenario('FIRST 1 (s1, s2), remote_apply: the sync standby dies, s2 takes over, writes go on', async (ctx) => {
  const { rec, config, startCluster, startWriter, startObserver, inject, verify } = ctx;
  // Everything from pgchaos.config.json: standbys, synchronous_standby_names, synchronous_commit, our postgresql.conf fragment.
  const cluster = await startCluster();
  rec.step('config under test', {
    synchronous_standby_names: config.sync.text,
    synchronous_commit: config.synchronousCommit,
  });
  const observer = startObserver(cluster);
  await observer.waitFor('s1 sync, s2 potential', (s) =>
    ['s1/sync', 's2/potential'].every((want) => s.standbys.some((r) => `${r.name}/${r.syncState}` === want && r.state === 'streaming')),
  );
  const writer = await startWriter(cluster);

  // Steady state; the first second is warm-up.
  const steadyFrom = rec.step('steady writes') + 1000;
  await holdFor(4000);
  const steadyTps = meanTps(writer.samples(), steadyFrom, rec.clock.now());
  rec.metric('steadyTps', Math.round(steadyTps));

  // The sync standby's host dies: s2 must become sync and commits go on.
  // The catalogue's faults are data with a name (pgchaos's docs/nemesis.md lists them); the heal is the catalogue's too.
  const s1Crash = await inject(cluster, { kind: 'crash-host-loud', target: { node: 's1' } });
  const killedAt = s1Crash.faultT;
  await observer.waitFor('s2 takes over as sync', (s) => s.standbys.some((r) => r.name === 's2' && r.syncState === 'sync'), 10_000);
  // A metric of your own declares its unit and which way is worse, so the report shows the unit and `pgchaos compare` judges it.
  rec.metric('takeoverMs', Math.round(rec.clock.now() - killedAt), { unit: 'ms', better: 'lower' });
  await holdFor(4000);
  const goOn = verify(checkSustained(writer.samples(), { fromT: killedAt, toT: rec.clock.now(), steadyTps, fraction: 0.5 }));
  rec.metric('tpsWithoutS1', Math.round(goOn.evidence.tps), { unit: 'tps', better: 'higher' });

  // s1 comes back: behind s2 at first, then first in the list again.
  await s1Crash.heal(); // the host boots, pg_ctl start
  await observer.waitFor(
    's1 sync again, s2 potential',
    (s) =>
      ['s1/sync', 's2/potential'].every((want) => s.standbys.some((r) => `${r.name}/${r.syncState}` === want && r.state === 'streaming')),
    60_000,
  );
  verify(checkSyncSequence('s2', observer.transitions('s2'), ['streaming/potential', 'streaming/sync', 'streaming/potential']));
  verify(checkSyncSequence('s1', observer.transitions('s1'), ['streaming/sync', 'absent', 'streaming/sync']));

  // The end (pgchaos's standard one): stop the load, every standby replays the primary's WAL,
  // then the same rows everywhere and nothing acknowledged lost.
  await verifyConsistent(ctx, cluster, writer);
});
