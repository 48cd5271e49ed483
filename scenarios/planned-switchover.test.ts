/**
 * Planned switchover — write-up 000 §11 (and write-up 003 §四, "smooth switchover").
 *
 * Under batch writes: fast-stop the primary; compare pg_last_wal_receive_lsn() and
 * pg_last_wal_replay_lsn() on s1 and s2; promote the most advanced; point the other standby at
 * it; start the old primary as a standby of the new one — after a clean fast stop it needs no
 * rewind. All three end streaming on the new timeline, nothing acknowledged is lost, and every
 * node has the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { expect } from 'vitest';
import { promoteMostAdvanced, recordOutage, repointOthers, scenario, streamingDeadlineMs, verifyConsistent } from '../harness/index.ts';

scenario('planned switchover: fast-stop the primary, promote the most advanced standby, old primary rejoins', async (ctx) => {
  const { rec, startCluster, startWriter, startObserver, inject } = ctx;
  const cluster = await startCluster(); // the user's HA config (the write-ups' ANY 1 (s1, s2) by default)
  const oldPrimary = cluster.primary;
  const observer = startObserver(cluster);
  const writer = await startWriter(cluster);
  rec.metric('timelineBefore', await oldPrimary.timeline());
  await holdFor(3000); // steady writes before the switchover

  // §11.2: stop the primary cleanly. Its walsenders send the shutdown checkpoint to both standbys.
  const stop = await inject(cluster, { kind: 'stop-fast', target: 'primary' });

  // §11.3–4: promote the standby that received the most WAL (ties: replayed the most).
  const { promoted: chosen, others } = await promoteMostAdvanced(ctx, cluster);
  const timelineAfter = await chosen.timeline();

  // §11.5: the other standbys follow the new primary. Under ANY 1 (primary, s2) their
  // confirmation is what lets the writer's commits on the new primary return.
  await repointOthers(ctx, cluster, others, observer);

  // §11.6: the old primary becomes a standby of the new one, without pg_rewind.
  await stop.healBy(`start old primary as a standby of ${chosen.name}`, async () => {
    await cluster.repoint(oldPrimary);
    await oldPrimary.start();
  });
  // Its WAL ends where it stopped as primary: the deadline counts what it must replay from there.
  const stoppedLsn = [...observer.samples()].reverse().find((s) => s.primary === oldPrimary.name && s.flushLsn)?.flushLsn;
  await cluster.waitForStreaming({ timeoutMs: await streamingDeadlineMs(cluster, [oldPrimary.name], { observer, since: stoppedLsn }) });
  rec.step('all standbys streaming on the new timeline', { synchronous_standby_names: cluster.sync.text });
  for (const s of cluster.standbys) expect(await s.timeline(), `${s.name} streams on the new timeline`).toBe(timelineAfter);

  await holdFor(2000); // writes on the new primary with both standbys back
  recordOutage(ctx, writer, oldPrimary, chosen);
  await verifyConsistent(ctx, cluster, writer, { observer });
});
