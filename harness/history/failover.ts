/**
 * What a manager did, as data: each failover with when it was detected, decided and done and the
 * standbys' positions it chose from. Recorded by the manager (manager/builtin.ts), read by the
 * readings (checks/readings/) and the report.
 */

/** One failover a manager made, with its evidence (the built-in operator, manager/builtin.ts, records these). */
export interface FailoverRecord {
  /** When the primary was declared failed, ms on the scenario clock. */
  detectedT: number;
  /**
   * When the operator had read the standbys' positions (`positions`, with the health check's
   * deadline each) and chose the one to promote, ms: the choice rests on what had happened by
   * then, not on a standby that failed after it.
   */
  decidedT: number;
  /** When the new primary accepted writes, ms. */
  promotedT: number;
  /**
   * When the story's client saw writes come back: the end of the first batch acknowledged by the
   * new primary after the decision, ms (checks/readings/commits.ts `writesBackT`); null when none
   * was. Filled by the story from the writer's ledger, not by the manager.
   */
  writesBackT?: number | null;
  from: string;
  to: string;
  /** Receive and replay LSN of every standby that answered, most advanced first. */
  positions: { name: string; receiveLsn: string | null; replayLsn: string | null }[];
}
