/**
 * Rewind refused, failback by re-clone — write-up 001, scheme 2.
 *
 * The same divergence as the pg_rewind story, on a cluster without wal_log_hints and without
 * data checksums. pg_rewind refuses the old primary ("target server needs to use either data
 * checksums or "wal_log_hints = on""), so it is rebuilt from the new primary with a fresh
 * pg_basebackup -R and rejoins as a standby.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { expect } from 'vitest';
import { divergeAndFailOver, ExecError, recordOutage, REWIND_REFUSAL, scenario, verifyConsistent } from '../harness/index.ts';

scenario(
  'unplanned failover with divergence: pg_rewind refused without wal_log_hints, failback by re-clone',
  async (ctx) => {
    const { rec, startCluster, startWriter, startObserver } = ctx;
    const cluster = await startCluster({ settings: { wal_log_hints: false }, dataChecksums: false });
    const observer = startObserver(cluster);
    const writer = await startWriter(cluster);
    await holdFor(3000); // steady writes

    const { oldPrimary, promoted } = await divergeAndFailOver(ctx, cluster, writer, observer);

    // Write-up 001 scheme 1 fails here: the old primary never WAL-logged hint-bit changes.
    rec.move(`pg_rewind the old primary against ${promoted.name}`);
    const refusal = await cluster.rewind(oldPrimary).then(
      () => null,
      (e: unknown) => (e instanceof ExecError ? e.output : Promise.reject(e)),
    );
    const line = refusal && REWIND_REFUSAL.exec(refusal);
    rec.step('pg_rewind refused', { output: refusal });
    expect(line, `pg_rewind should refuse without wal_log_hints; it said: ${refusal}`).not.toBeNull();
    rec.metric('rewindRefusal', line![0]);

    // Write-up 001 scheme 2: a fresh base backup from the new primary.
    const recloneAt = rec.move(`re-clone the old primary from ${promoted.name} (pg_basebackup -R)`);
    await cluster.reclone(oldPrimary);
    rec.metric('recloneMs', Math.round(rec.clock.now() - recloneAt));
    await cluster.waitForStreaming();
    rec.step('old primary streams from the new primary', { synchronous_standby_names: cluster.sync.text });

    await holdFor(2000); // writes with both standbys back
    recordOutage(ctx, writer, oldPrimary, promoted);
    await verifyConsistent(ctx, cluster, writer, { observer });
  },
  { needs: ['pg_rewind'] },
); // skipped, saying why, on an image without pg_rewind
