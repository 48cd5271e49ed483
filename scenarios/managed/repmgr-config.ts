/**
 * The repmgr settings the managed nemesis runs on when the user gives none (config `repmgr`):
 * repmgr's defaults (repmgr.conf.sample 5.3: priority 100 everywhere, no witness,
 * `primary_visibility_consensus` off, asynchronous replication) with `failover=automatic`, the
 * repmgrd quickstart's setting, and repmgrd's retries shortened from 6 × 10 s to 3 × 2 s, the
 * fault tests' timings (manager/repmgr/faults.docker.test.ts; first-light: promoted 6.8 s after a
 * crash), so that a 2–15 s fault of a 2-minute seed can cause a failover; with the defaults a
 * lost primary is replaced only after about a minute, i.e. never within a fault.
 *
 * And `wal_keep_size = 2GB` (pgchaos's own clusters' value) in every node's postgresql.conf:
 * repmgr's quickstart retains no WAL for a standby (`use_replication_slots` false by default, no
 * wal_keep_size), so a standby down for a few seconds under the nemesis's writes fell behind what
 * the primary kept ("requested WAL segment … has already been removed", seed 1, run
 * 20261206-214129-2526) and repmgr, which re-clones nothing by itself, never had it stream again:
 * PostgreSQL's rule (docs "wal_keep_size": "the primary might remove a WAL segment still needed by
 * the standby"), recorded in docs/findings/2026-12-06-repmgr-nemesis.md. With WAL kept, the seeds
 * test repmgr's failover rather than the quickstart's retention.
 */
import type { RepmgrUserConfig } from '../../harness/manager/repmgr/config.ts';

export const SHORT_REPMGR: RepmgrUserConfig = {
  failover: 'automatic',
  reconnect_attempts: 3,
  reconnect_interval: 2,
  monitor_interval_secs: 2,
  postgresql: { wal_keep_size: '2GB' },
};
