import type { MetricDeclaration } from './record.ts';
import type { MetricInfo } from './summary.ts';

/**
 * The metric dictionary: what each name in `summary.json`'s `scenarios[].metrics` (scalars only:
 * `MetricValue`; tables are the record's typed sections) means, its
 * unit, which way is worse, and the default threshold beyond which `pgchaos compare` calls a
 * change a regression. A change regresses when it is worse by more than every bound given
 * (relative to the baseline value, and absolute in the metric's unit).
 */

/** Timings that vary with the machine: a quarter slower and a second more, both, is a regression. */
const MS_THRESHOLD = { relative: 0.25, absolute: 1000 } as const;
/** Throughput: 15 % less. */
const TPS_THRESHOLD = { relative: 0.15 } as const;
/** Lost acknowledged writes: any rise. */
const LOST_THRESHOLD = { absolute: 0 } as const;

const ms = (description: string, better: MetricInfo['better'] = 'lower'): MetricInfo =>
  better === 'none' ? { unit: 'ms', description, better } : { unit: 'ms', description, better, threshold: { ...MS_THRESHOLD } };
const info = (unit: string, description: string, better: MetricInfo['better'] = 'none'): MetricInfo => ({ unit, description, better });

export const METRICS: Record<string, MetricInfo> = {
  // Throughput
  steadyTps: {
    unit: 'tps',
    description: 'mean commits per second of the writer before the first fault (the steady state every recovery is measured against)',
    better: 'higher',
    threshold: { ...TPS_THRESHOLD },
  },
  tpsOneStandbyDown: {
    unit: 'tps',
    description: 'mean commits per second while one standby is down and the others still release commits',
    better: 'higher',
    threshold: { ...TPS_THRESHOLD },
  },
  syncRepWaiters: info(
    'count',
    'backends waiting on SyncRep in pg_stat_activity during the stall (every writer client when commits stall)',
  ),

  // Timings
  stallOnsetMs: ms(
    'ms from the loss of the last standby that could release commits to the first interval with zero commits: the onset delay of the stall, expected near 0 (not compared)',
    'none',
  ),
  stallMs: ms('ms the stall lasted (zero commits) before the repair ended it (not compared: the story decides when to repair)', 'none'),
  recoveryMs: ms('ms from the repair (a standby started again) to the first interval with TPS back at ≥ 50 % of steady'),
  writeOutageMs: ms(
    'ms without an acknowledged write across a failover: last acknowledged commit on the old primary to the first on the new one',
  ),
  rewindMs: ms('ms pg_rewind took to rewind the old primary onto the new timeline'),
  recloneMs: ms('ms a fresh pg_basebackup -R took to re-clone the old primary as a standby'),
  streamingAfterRestartMs: ms("ms from a stopped standby's start to its walsender showing state streaming again"),
  streamingAfterRewindMs: ms("ms from pg_rewind's end (the rewound node started) to its walsender streaming"),
  readyMs: ms('ms to bring the cluster up: primary initdb and start, standbys cloned and streaming as the model predicts'),
  finalCatchupMs: ms('ms from stopping the writer to every standby having replayed the primary (the end of every story)'),

  // Writes and rows
  ackedBatches: info('count', 'batches the primary acknowledged to the writer (COMMIT returned)'),
  lostAcked: {
    unit: 'count',
    description:
      'acknowledged batches missing from the final primary (any rise is a regression; 0 unless the scenario loses writes on purpose)',
    better: 'lower',
    threshold: { ...LOST_THRESHOLD },
  },
  lostAckedOnPurpose: info(
    'count',
    'acknowledged batches the counter-example loses on purpose (async replication, lagging standby promoted); varies with timing',
  ),
  unknownOutcome: info('count', 'batches whose COMMIT outcome the writer could not know (connection lost around COMMIT)'),
  unknownCommitted: info('count', 'unknown-outcome batches found committed on the final primary'),
  hashesEqual: {
    unit: 'bool',
    description: "every node's count(*) and sum(hashtext(t::text)) agreed after replaying to the primary's LSN (null: not compared)",
    better: 'higher',
  },
  catchupSeen: {
    unit: 'bool',
    description: 'the restarted standby was seen in catchup/potential before streaming/quorum',
    better: 'higher',
  },

  // Failover and failback
  promotedNode: info('text', 'the standby promoted'),
  promotedReceiveLsn: info('LSN', "the promoted standby's pg_last_wal_receive_lsn() before promotion"),
  otherReceiveLsn: info('LSN', "the other standby's pg_last_wal_receive_lsn() before promotion"),
  timelineBefore: info('timeline', 'timeline ID of the primary before the failover'),
  timelineAfter: info('timeline', 'timeline ID of the promoted node after the failover'),
  divergedBytes: info('bytes', 'WAL the cut-off primary had that no standby received'),
  divergenceSymptom: info('text', "the old primary's log line showing the timeline fork"),
  rewindDiverged: info('text', 'pg_rewind\'s "servers diverged at WAL location …" line'),
  rewindRefusal: info('text', "pg_rewind's refusal (wal_log_hints off, no data checksums)"),

  // The nemesis story (its schedule, failovers and per-fault impact are the record's nemesis section)
  seed: info('seed', 'the PRNG seed the schedule was drawn from'),
  faultsInjected: info('count', 'faults of the schedule injected'),
  faultsSkipped: info('count', 'faults of the schedule that could not be injected (their node was down, held, or fenced)'),
  mostFailedAtOnce: info('count', 'most nodes taken out by faults in effect at the same time'),
  maxInjectDriftMs: ms("ms the latest injection began after its planned time (the runner's own latency, or a heal it waited for)", 'none'),
  settledAfterHealMs: ms('ms from the last heal until the operator had rejoined every node and every standby streamed from the primary'),
  failovers: info('count', 'failovers the operator made'),
  failuresAtOnce: info(
    'count',
    'most nodes out when a promotion was decided (or 1 for a primary restart under synchronous_commit = off): what the durability promise is judged against',
  ),
  writesOutWhilePossibleMs: ms(
    'ms writes stayed out, at the worst, once nodes enough to commit had been free of faults (reported, not judged)',
  ),
};

/** The dictionary entry of a name the dictionary does not know. */
export const UNKNOWN_METRIC: MetricInfo = {
  unit: '',
  description:
    'undeclared: not in the dictionary, and the scenario gave no unit (rec.metric(name, value, { unit, better })); shown bare, not compared',
  better: 'none',
};

/**
 * The dictionary entries of `names` (each once, in name order): METRICS's, else what a scenario
 * declared for it (`declared`, from its records), else UNKNOWN_METRIC.
 */
export function metricDictionary(names: Iterable<string>, declared: Record<string, MetricDeclaration> = {}): Record<string, MetricInfo> {
  const out: Record<string, MetricInfo> = {};
  for (const n of [...new Set(names)].sort()) out[n] = metricInfo(n, Object.hasOwn(declared, n) ? declared[n] : undefined);
  return out;
}

/** Default thresholds of a declared metric by its unit (as the built-in timings and throughput). */
const UNIT_THRESHOLDS: Record<string, MetricInfo['threshold']> = { ms: MS_THRESHOLD, tps: TPS_THRESHOLD };

/**
 * The dictionary entry of one name (a copy): METRICS's; else `declared`'s (a metric a scenario
 * declared with `rec.metric(name, value, { unit, better })`); else UNKNOWN_METRIC's (`constructor` included).
 */
export function metricInfo(name: string, declared?: MetricDeclaration): MetricInfo {
  if (!Object.hasOwn(METRICS, name) && declared) {
    const threshold = declared.threshold ?? (declared.better === 'none' ? undefined : UNIT_THRESHOLDS[declared.unit]);
    const description = declared.description ?? 'declared by the scenario';
    return { unit: declared.unit, description, better: declared.better, ...(threshold ? { threshold: { ...threshold } } : {}) };
  }
  const m = Object.hasOwn(METRICS, name) ? METRICS[name]! : UNKNOWN_METRIC;
  return { ...m, ...(m.threshold ? { threshold: { ...m.threshold } } : {}) };
}

/** Whether the dictionary knows `name`. */
export function isKnownMetric(name: string): boolean {
  return Object.hasOwn(METRICS, name);
}
