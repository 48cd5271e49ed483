/**
 * The result of a check: never just a boolean. `summary` is one sentence a DBA can read;
 * `evidence` holds the figures it was decided on (and lands in the report as is).
 */
export interface Verdict<E = unknown> {
  check: string;
  ok: boolean;
  summary: string;
  evidence: E;
}
