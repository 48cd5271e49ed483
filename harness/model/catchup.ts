/**
 * How long a standby may take to stream again: a deadline from what it has to do, not one
 * constant. A standby that was down must reconnect (after a failed attempt the startup process
 * waits wal_retrieve_retry_interval, 5 s by default, before the next: runtime-config-replication.html)
 * and replay the WAL the primary wrote meanwhile. Measured here (2 cores): PostgreSQL 15/17 stream
 * again 2.4–5.5 s after a restart under load, 13 up to 17.8 s; all replay well above the floor below.
 */

const MiB = 1024 * 1024;

/** A floor for WAL replay on a slow, shared CI machine, bytes per second (a deadline, not an expectation). */
export const REPLAY_FLOOR_BYTES_PER_SEC = 4 * MiB;

/** Start-up and reconnection allowance: start-up, two wal_retrieve_retry_interval waits (5 s each), the first status report. ms. */
export const RECONNECT_ALLOWANCE_MS = 15_000;

/**
 * The deadline for a standby to be streaming again, ms: the reconnection allowance plus the
 * time to replay `walBehindBytes` at `replayBytesPerSec`.
 * @param walBehindBytes WAL between the standby's last known flush LSN and the primary's current LSN (bytes; negative counts as 0).
 */
export function catchupDeadlineMs(
  walBehindBytes: number | bigint,
  replayBytesPerSec = REPLAY_FLOOR_BYTES_PER_SEC,
  reconnectMs = RECONNECT_ALLOWANCE_MS,
): number {
  const bytes = Math.max(0, Number(walBehindBytes));
  return reconnectMs + Math.ceil((bytes / replayBytesPerSec) * 1000);
}
