/**
 * How many nodes were out when it mattered: the reading a durability promise
 * (model/durability.ts) is judged against by checkLossAgainstPromise (checks/promised-loss.ts).
 *
 * A promotion loses acknowledged commits only when every standby that confirmed them is out at
 * the moment the operator chooses whom to promote: it then promotes a node that may lack them.
 * So a node counts as out at a promotion when
 * - it is the primary being replaced, or
 * - a fault that takes it out had taken effect by the time the operator read the standbys'
 *   positions (its injection done, not merely begun: a silent crash spends ~0.9 s adding rules
 *   before the kill) and was not healed before the primary was declared failed,
 * and it did not answer that read. A standby that answered the operator with its LSNs was up
 * when the choice was made, whatever happened to it a moment later: counting it out from the
 * start of an injection that landed during the promotion excused a real loss on some replays of
 * the same schedule and not on others (issue 16: 276 ms, 921 ms and 146 ms before the promotion
 * finished in three replays).
 *
 * Without any promotion, a primary taken out and started again is a failure only where its own
 * restart may lose acknowledged commits (`synchronous_commit = off`): at any other level the
 * commit was flushed on the primary before it was acknowledged and crash recovery keeps it.
 */

/** A promotion as the operator decided it (the built-in operator's FailoverRecord is one). Times in ms on the scenario clock. */
export interface PromotionDecision {
  /** The primary it replaced. */
  from: string;
  /** When `from` was declared failed. */
  detectedT: number;
  /** When the operator had read the standbys' positions and chose whom to promote. */
  decidedT: number;
  /** The standbys that answered that read: the operator's own evidence that they were up. */
  answered: readonly string[];
}

/** A fault as the nemesis played it (its `failed` nodes and span). Times in ms on the scenario clock. */
export interface FaultSpan {
  /** The nodes it takes out while in effect (InjectedFault.failed). */
  failed: readonly string[];
  /** When its injection was done and the fault in effect. */
  effectiveT: number;
  /** When its heal was done; absent while it lasted to the end. */
  healT?: number;
  /** It took out the node that was the primary at its injection. */
  primaryOut: boolean;
}

/** The failures a run's durability verdict is judged against. */
export interface FailuresSeen {
  /** Per promotion, in order, the nodes out at it (the replaced primary first), sorted after it. */
  outAtPromotion: string[][];
  /** Most nodes out at once where it could cost acknowledged commits: the largest promotion, or 1 for a lossy primary restart; an integer ≥ 0. */
  failuresAtOnce: number;
}

/**
 * Reads the failures seen in a run (see the module comment for the rule).
 * @param promotions the operator's promotions, in order.
 * @param faults every fault the nemesis injected.
 * @param o.primaryCrashLoses the config's DurabilityPromise.primaryCrashLoses.
 * @returns the nodes out at each promotion and the number the promise is judged against.
 */
export function failuresSeen(
  promotions: readonly PromotionDecision[],
  faults: readonly FaultSpan[],
  o: { primaryCrashLoses: boolean },
): FailuresSeen {
  const outAtPromotion = promotions.map((p) => {
    const answered = new Set(p.answered);
    const hit = faults.filter((f) => f.effectiveT <= p.decidedT && (f.healT ?? Infinity) >= p.detectedT).flatMap((f) => f.failed);
    const others = [...new Set(hit)].filter((n) => n !== p.from && !answered.has(n)).sort();
    return [p.from, ...others];
  });
  const restart = o.primaryCrashLoses && faults.some((f) => f.primaryOut) ? 1 : 0;
  return { outAtPromotion, failuresAtOnce: Math.max(restart, ...outAtPromotion.map((out) => out.length)) };
}
