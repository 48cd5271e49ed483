/**
 * The built-in operator's own view of the cluster: who it holds for primary, whom it fenced, and
 * what the primary's pg_stat_replication says of each standby (state, sync_state, flush LSN and
 * how many bytes behind the primary's insert LSN). Pure: the reading comes from one query on the
 * primary (BuiltinManager.view), so a view costs the cluster one connection.
 */
import type { WalSenderRow } from '../db/pg-node.ts';
import type { ManagerView, ManagerViewRow } from '../history/manager.ts';
import { lsnDiff } from '../lsn.ts';
import { viewTable } from './manager.ts';

/** What one query on the primary read: its insert LSN and timeline, and its walsenders. */
export interface PrimaryReading {
  lsn: string;
  timeline: number;
  senders: readonly Pick<WalSenderRow, 'name' | 'state' | 'syncState' | 'flushLsn'>[];
}

/**
 * The operator's view at `t` (ms): a row for the primary, then one per standby in creation order.
 * A fenced node is `out`; a fenced primary (a failover between fencing and promotion) leaves the
 * view with no primary. When the primary did not answer, `reading` is the error and the standbys'
 * states are unknown.
 */
export function builtinView(o: {
  t: number;
  primary: string;
  standbys: readonly string[];
  fenced: readonly string[];
  reading: PrimaryReading | { error: string };
}): ManagerView {
  const fenced = new Set(o.fenced);
  const r = 'error' in o.reading ? null : o.reading;
  const primaryRow: ManagerViewRow = fenced.has(o.primary)
    ? { node: o.primary, role: 'out', state: 'fenced (was primary)', timeline: null, lsn: null, lagBytes: null }
    : {
        node: o.primary,
        role: 'primary',
        state: r ? 'primary running' : 'primary, no answer',
        timeline: r?.timeline ?? null,
        lsn: r?.lsn ?? null,
        lagBytes: r ? 0 : null,
      };
  const rows = [
    primaryRow,
    ...o.standbys.map((name): ManagerViewRow => {
      if (fenced.has(name)) return { node: name, role: 'out', state: 'fenced', timeline: null, lsn: null, lagBytes: null };
      const s = r?.senders.find((w) => w.name === name);
      if (!s)
        return {
          node: name,
          role: 'standby',
          state: r ? 'standby, not streaming' : 'standby, unknown',
          timeline: null,
          lsn: null,
          lagBytes: null,
        };
      return {
        node: name,
        role: 'standby',
        state: `standby ${s.state} ${s.syncState}`,
        timeline: null,
        lsn: s.flushLsn,
        lagBytes: r && s.flushLsn ? Number(lsnDiff(r.lsn, s.flushLsn)) : null,
      };
    }),
  ];
  const primary = fenced.has(o.primary) ? null : o.primary;
  const head = `built-in operator: primary ${primary ?? 'none (failing over)'}${'error' in o.reading ? `; the primary did not answer: ${o.reading.error}` : ''}`;
  return {
    t: o.t,
    primary,
    rows,
    raw: `${head}\n${viewTable(rows)}`,
    ...('error' in o.reading ? { error: o.reading.error } : {}),
  };
}
