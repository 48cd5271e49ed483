/**
 * How the writer and the observer turn what they see into their history (history/samples.ts):
 * an error into an outcome, batches into per-interval samples and pgbench-like progress lines,
 * observer samples into sync_state transitions. Pure: nothing here touches a server.
 */
import type { Batch, ObserverSample, Outcome, SyncTransition, WriterSample } from '../history/samples.ts';

/**
 * A pgbench `--progress` line for one sample, e.g.
 * `progress: 5.0 s, 160.0 tps, lat 49.812 ms stddev 3.201` (pgbench prints `-nan` with no commits).
 */
export function progressLine(elapsedS: number, s: WriterSample): string {
  const lat =
    s.latMeanMs === null ? 'lat -nan ms stddev -nan' : `lat ${s.latMeanMs.toFixed(3)} ms stddev ${(s.latStddevMs ?? 0).toFixed(3)}`;
  const extra = (s.failed ? `, ${s.failed} failed` : '') + (s.unknown ? `, ${s.unknown} unknown` : '');
  return `progress: ${elapsedS.toFixed(1)} s, ${s.tps.toFixed(1)} tps, ${lat}${extra}`;
}

/**
 * Buckets batches by completion time into intervals of `intervalMs` covering [fromT, toT).
 * Pure: the throughput checks and the report both read its output.
 */
export function sampleBatches(
  batches: readonly Batch[],
  batchRows: number,
  fromT: number,
  toT: number,
  intervalMs: number,
): WriterSample[] {
  const n = Math.max(0, Math.ceil((toT - fromT) / intervalMs));
  const lat: number[][] = Array.from({ length: n }, () => []);
  const failed = new Array<number>(n).fill(0);
  const unknown = new Array<number>(n).fill(0);
  for (const b of batches) {
    const i = Math.floor((b.endT - fromT) / intervalMs);
    if (i < 0 || i >= n) continue;
    if (b.outcome === 'acked') lat[i]!.push(b.endT - b.startT);
    else if (b.outcome === 'failed') failed[i]!++;
    else unknown[i]!++;
  }
  return lat.map((l, i) => {
    const commits = l.length;
    const mean = commits ? l.reduce((a, b) => a + b, 0) / commits : null;
    const sorted = [...l].sort((a, b) => a - b);
    return {
      t: fromT + i * intervalMs,
      commits,
      tps: (commits * 1000) / intervalMs,
      rowsPerSec: (commits * batchRows * 1000) / intervalMs,
      latMeanMs: mean,
      latStddevMs: mean === null ? null : Math.sqrt(l.reduce((a, b) => a + (b - mean) ** 2, 0) / commits),
      latP99Ms: commits ? sorted[Math.ceil(commits * 0.99) - 1]! : null,
      failed: failed[i]!,
      unknown: unknown[i]!,
    };
  });
}

/**
 * Failed or unknown, for an error raised by a batch statement (see `Outcome`). A SQLSTATE
 * error of severity ERROR is raised before the statement's COMMIT and means nothing was committed,
 * except class 57P (operator intervention: the server is shutting down or crashed, possibly after
 * committing locally while waiting for a standby) and class 08 (connection exception). An error
 * of severity FATAL or PANIC ends the session (PostgreSQL protocol, "ErrorResponse" severities):
 * it may come after the commit record, so the outcome is unknown whatever its code. A proxy says
 * so too: pgpool-II 4.3.5 sends `FATAL: failed to read kind from backend` when a standby's
 * session fails while the primary answered ReadyForQuery for the committed batch (run
 * 20261207-014222-cff9). An error without SQLSTATE is the connection dying or timing out: unknown.
 */
export function classify(err: { code?: string; severity?: string }): Exclude<Outcome, 'acked'> {
  const code = err.code;
  if (!code || !/^[0-9A-Z]{5}$/.test(code)) return 'unknown';
  if (code.startsWith('57P') || code.startsWith('08')) return 'unknown';
  if (err.severity === 'FATAL' || err.severity === 'PANIC') return 'unknown';
  return 'failed';
}

/** See `ReplicationObserver.transitions`. Pure, for the checks and the report. */
export function syncTransitions(samples: readonly ObserverSample[], standby: string): SyncTransition[] {
  const out: SyncTransition[] = [];
  for (const s of samples) {
    if (s.error) continue;
    const row = s.standbys.find((r) => r.name === standby);
    const role = s.primary === standby ? 'primary' : 'absent';
    const state = row?.state ?? role;
    const syncState = row?.syncState ?? role;
    const last = out[out.length - 1];
    if (!last || last.state !== state || last.syncState !== syncState) out.push({ t: s.t, state, syncState });
  }
  return out;
}

/** One line for messages: `t=1234ms waiters=8 s1:streaming/quorum s2:absent`. */
export function describeSample(s: ObserverSample): string {
  if (s.error) return `t=${Math.round(s.t)}ms error: ${s.error}`;
  const rows = s.standbys.map((r) => `${r.name}:${r.state}/${r.syncState}`).join(' ') || 'no walsenders';
  return `t=${Math.round(s.t)}ms on ${s.primary}: waiters=${s.syncRepWaiters} ${rows}`;
}
