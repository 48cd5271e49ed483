/**
 * How a check ended:
 * - `passed`: the evidence shows the property holds;
 * - `failed`: the evidence shows it does not;
 * - `unknown`: there is not enough evidence to say (no commits, no rows, no baseline, nothing
 *   observed). A scenario treats it as a failure, with the reason, never as a pass.
 */
export type VerdictStatus = 'passed' | 'failed' | 'unknown';

/**
 * The stable ids of the checks pgchaos ships. A check about one standby adds `:<name>`
 * (`replication.sync-sequence:s1`). Reports, the matrix and `pgchaos compare` pair verdicts by
 * id, so rewording a check's name or summary in a new pgchaos version changes no comparison.
 */
export const CHECK_IDS = {
  stall: 'throughput.stall',
  recover: 'throughput.recover',
  sustained: 'throughput.sustained',
  noAckedLost: 'writes.no-acked-lost',
  promisedLoss: 'writes.promised-loss',
  lossBound: 'writes.loss-bound',
  onePrimary: 'writes.one-primary',
  rowHashes: 'rows.hash-equal',
  modelAgreement: 'replication.model-agreement',
  syncSequence: 'replication.sync-sequence',
  notStuck: 'writes.not-stuck',
  failovers: 'manager.failovers',
} as const;

/**
 * The result of a check: never just a boolean. `summary` is one sentence a DBA can read;
 * `evidence` holds the figures it was decided on (and lands in the report as is).
 */
export interface Verdict<E = unknown> {
  /** Stable id (`CHECK_IDS`, or a scenario author's own, e.g. `my-app.reads-consistent`): what reports and comparisons key on. */
  id: string;
  /** The check's name for a reader, e.g. `throughput stalls`; may be reworded between versions. */
  check: string;
  status: VerdictStatus;
  summary: string;
  evidence: E;
}

/** `true` for passed, `false` for failed, `null` for unknown: for metrics such as `hashesEqual`. */
export function verdictValue(v: Pick<Verdict, 'status'>): boolean | null {
  return v.status === 'unknown' ? null : v.status === 'passed';
}

/** The check names records carried before verdicts had ids, by id (for records of older runs). */
const LEGACY_NAMES: Record<string, string> = {
  'throughput stalls': CHECK_IDS.stall,
  'throughput recovers': CHECK_IDS.recover,
  'writes go on': CHECK_IDS.sustained,
  'no acknowledged commit lost': CHECK_IDS.noAckedLost,
  'no promised acknowledged commit lost': CHECK_IDS.promisedLoss,
  'one primary at a time': CHECK_IDS.onePrimary,
  'row hashes agree': CHECK_IDS.rowHashes,
  'pg_stat_replication agrees with the model': CHECK_IDS.modelAgreement,
};

/**
 * The id of a verdict as read from a record: its `id`, or, for a record written before verdicts
 * had ids, the id its check name stood for (`sync_state sequence of s1` → `replication.sync-sequence:s1`;
 * a name pgchaos never shipped stands for itself).
 */
export function verdictId(v: { id?: unknown; check: string }): string {
  if (typeof v.id === 'string' && v.id) return v.id;
  const standby = /^sync_state sequence of (.+)$/.exec(v.check);
  return standby ? `${CHECK_IDS.syncSequence}:${standby[1]}` : (LEGACY_NAMES[v.check] ?? v.check);
}
