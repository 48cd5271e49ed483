/**
 * Unplanned failover with divergence, failback by pg_rewind — write-ups 001 (scheme 1) and 003 (§四.5).
 *
 * The primary is cut off while its clients still commit, so it writes WAL no standby has; the
 * most advanced standby is promoted and the writer moves to it. Started again as a standby
 * without a rewind, the old primary cannot follow: "requested starting point … on timeline 1
 * is not in this server's history / This server's history forked from timeline 1 at …".
 * pg_rewind (wal_log_hints = on) takes it back to the fork point and it streams again.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { divergeAndFailOver, DIVERGENCE_SYMPTOM, recordOutage, scenario, streamingDeadlineMs, verifyConsistent } from '../harness/index.ts';

scenario(
  'unplanned failover with divergence: failback by pg_rewind',
  async (ctx) => {
    const { rec, startCluster, startWriter, startObserver } = ctx;
    const cluster = await startCluster(); // the user's HA config (the write-ups' ANY 1 (s1, s2) by default)
    const observer = startObserver(cluster);
    const writer = await startWriter(cluster);
    await holdFor(3000); // steady writes

    const { oldPrimary, promoted } = await divergeAndFailOver(ctx, cluster, writer, observer);

    // The mistake write-up 003 warns about: restart the old primary as a standby as it is.
    await cluster.repoint(oldPrimary);
    const offset = await oldPrimary.logOffset();
    rec.move('start the old primary as a standby, without pg_rewind');
    await oldPrimary.start();
    const symptom = await oldPrimary.waitForLog(DIVERGENCE_SYMPTOM, { offset });
    rec.step('old primary cannot follow the new timeline', { symptom });
    rec.metric('divergenceSymptom', symptom.replace(/^.*?(LOG|FATAL|ERROR):\s+/, ''));

    // Write-up 001 scheme 1: stop it cleanly, rewind it against the new primary, start it as a standby.
    await oldPrimary.stop('fast');
    const rewindAt = rec.move(`pg_rewind the old primary against ${promoted.name}`);
    const output = await cluster.rewind(oldPrimary);
    rec.metric('rewindMs', Math.round(rec.clock.now() - rewindAt));
    rec.step('pg_rewind done', { output });
    rec.metric('rewindDiverged', /servers diverged at WAL location .*/.exec(output)?.[0] ?? null);
    const startAt = rec.clock.now();
    await oldPrimary.start();
    // It replays the new timeline from where the servers diverged: the deadline counts that WAL.
    const divergedAt = /servers diverged at WAL location (\S+)/.exec(output)?.[1];
    await cluster.waitForStreaming({ timeoutMs: await streamingDeadlineMs(cluster, [oldPrimary.name], { observer, since: divergedAt }) });
    rec.metric('streamingAfterRewindMs', Math.round(rec.clock.now() - startAt));
    rec.step('old primary streams from the new primary', { synchronous_standby_names: cluster.sync.text });

    await holdFor(2000); // writes with both standbys back
    recordOutage(ctx, writer, oldPrimary, promoted);
    await verifyConsistent(ctx, cluster, writer, { observer });
  },
  { needs: ['pg_rewind'] },
); // skipped, saying why, on an image without pg_rewind
