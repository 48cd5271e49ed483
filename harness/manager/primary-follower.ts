/**
 * What every managed HaManager that reads its failovers off its manager's view shares (repmgr,
 * pgpool-II, pg_auto_failover): following the primary through views read in time order and
 * saying when it was replaced. Each manager's follower says only how its view names a primary,
 * when it shows a candidate selected, and, where the view has them, timelines and LSNs.
 */
import type { FailoverRecord } from '../history/failover.ts';
import { lsnDiff } from '../lsn.ts';

/** A failover as a follower reads it off the views (the client's `writesBackT` is the story's to fill). */
export type ObservedFailover = Omit<FailoverRecord, 'writesBackT'>;

/**
 * Follows a manager's primary through views of type `V` read in time order and says when it was
 * replaced. `detectedT` is when the views first showed no primary; `decidedT` when they first
 * showed a candidate selected to replace it (`selected`), else the promotion's view (for the old
 * primary promoted again, the loss's view: its commits before that are the old timeline's);
 * `promotedT` when the new primary was first seen; `positions` those the view showed at the
 * selection (`positionsIn`), else those the manager read after the loss (`positionsRead`), else
 * those the last view of the old primary showed. Pure.
 */
export abstract class PrimaryFollower<V> {
  /** The primary last seen (the one lost, while a failover is under way); undefined before any. */
  protected primary: string | undefined;
  /** The timeline the primary was last seen leading on; undefined: take the next one seen. */
  private term: number | undefined;
  /** When the views first showed the primary lost, ms. */
  protected lostT: number | undefined;
  /** When they first showed a candidate selected to replace it, ms. */
  private decidedT: number | undefined;
  /** The standbys' positions for the failover under way, most advanced first. */
  private positions: FailoverRecord['positions'] | undefined;
  /** The standbys' positions the last view of the primary showed (`positionsIn`), else none. */
  private shown: FailoverRecord['positions'] = [];

  /** The node the view holds for primary, or undefined when it holds none. */
  protected abstract primaryIn(view: V): string | undefined;

  /** True when the view, showing no primary, shows a candidate selected to replace `lost`. */
  protected abstract selected(view: V, lost: string): boolean;

  /**
   * The timeline `primary` leads on, where the view shows it: the same node on a later one was
   * demoted and promoted again, a failover to itself. Views that show none say 0 (never one).
   */
  protected termOf(_view: V, _primary: string): number {
    return 0;
  }

  /** The positions the view shows for the standbys of `primary`, most advanced first; undefined where it shows none (the manager reads them: `positionsRead`). */
  protected positionsIn(_view: V, _primary: string): FailoverRecord['positions'] | undefined {
    return undefined;
  }

  /** Takes the view read at `t` (ms); returns the failover it shows, if the primary was replaced. */
  observe(t: number, view: V): ObservedFailover | undefined {
    const now = this.primaryIn(view);
    const term = now === undefined ? 0 : this.termOf(view, now);
    if (this.primary === undefined || (now === this.primary && term <= (this.term ?? term))) {
      this.primary ??= now;
      if (now) {
        this.term = Math.max(this.term ?? term, term);
        this.lostT = undefined;
        this.decidedT = undefined;
        this.positions = undefined;
        this.shown = this.positionsIn(view, now) ?? [];
      }
      return undefined;
    }
    if (now === undefined) {
      this.lostT ??= t;
      if (this.decidedT === undefined && this.selected(view, this.primary)) {
        this.decidedT = t;
        this.positions = this.positionsIn(view, this.primary) ?? this.positions;
      }
      return undefined;
    }
    const from = this.primary;
    const r = {
      detectedT: this.lostT ?? t,
      decidedT: this.decidedT ?? (now === from ? (this.lostT ?? t) : t),
      promotedT: t,
      from,
      to: now,
      positions: this.positions ?? this.shown,
    };
    this.reset(now);
    this.term = term;
    return r;
  }

  /** True once the primary is lost and no positions were given for it yet: the manager reads them now. */
  lost(): boolean {
    return this.lostT !== undefined && this.positions === undefined;
  }

  /** The standbys' positions read just after the loss; kept most advanced first. */
  positionsRead(p: FailoverRecord['positions']): void {
    this.positions = [...p].sort((a, b) => Number(lsnDiff(b.receiveLsn ?? '0/0', a.receiveLsn ?? '0/0')));
  }

  /** The primary last seen (the one lost, while a failover is under way). */
  current(): string | undefined {
    return this.primary;
  }

  /** A primary change that is not a failover (a switchover asked for): follows `primary` from now on, on the next timeline seen. */
  reset(primary: string | undefined): void {
    this.primary = primary;
    this.term = undefined;
    this.lostT = undefined;
    this.decidedT = undefined;
    this.positions = undefined;
  }
}
