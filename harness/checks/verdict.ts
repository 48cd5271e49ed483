/**
 * How a check ended:
 * - `passed`: the evidence shows the property holds;
 * - `failed`: the evidence shows it does not;
 * - `unknown`: there is not enough evidence to say (no commits, no rows, no baseline, nothing
 *   observed). A scenario treats it as a failure, with the reason, never as a pass.
 */
export type VerdictStatus = 'passed' | 'failed' | 'unknown';

/**
 * The result of a check: never just a boolean. `summary` is one sentence a DBA can read;
 * `evidence` holds the figures it was decided on (and lands in the report as is).
 */
export interface Verdict<E = unknown> {
  check: string;
  status: VerdictStatus;
  summary: string;
  evidence: E;
}

/** `true` for passed, `false` for failed, `null` for unknown: for metrics such as `hashesEqual`. */
export function verdictValue(v: Pick<Verdict, 'status'>): boolean | null {
  return v.status === 'unknown' ? null : v.status === 'passed';
}
