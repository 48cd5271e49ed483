import { describe, expect, it } from 'vitest';
import type { Batch, PresentBatch } from '../../history/samples.ts';
import { deposedWindows } from './deposed-window.ts';

const ack = (client: number, seq: number, node: string, endT: number, timeline: number): Batch => ({
  client,
  seq,
  node,
  startT: endT - 5,
  endT,
  outcome: 'acked',
  timeline,
});
const present = (...keys: [number, number][]): PresentBatch[] => keys.map(([client, seq]) => ({ client, seq, ledgerRows: 10, rows: 10 }));

describe('deposedWindows', () => {
  it('reports the window in which the old primary still acknowledged after the new one took writes, and what it lost', () => {
    // Client 1 is pinned to pg0 (a misrouted client); client 2 goes through the proxy, which moved to s1.
    const batches = [
      ack(1, 1, 'pg0', 100, 1),
      ack(2, 1, 'proxy', 150, 1),
      ack(2, 2, 'proxy', 5000, 2), // s1 promoted: the new timeline's first commit
      ack(1, 2, 'pg0', 5200, 1),
      ack(1, 3, 'pg0', 7300, 1), // pg0 demoted after this one
      ack(2, 3, 'proxy', 7400, 2),
      { ...ack(1, 4, 'pg0', 7500, 1), outcome: 'failed' as const, timeline: undefined },
    ];
    const [w, ...rest] = deposedWindows(batches, present([1, 1], [2, 1], [2, 2], [2, 3]));
    expect(rest).toEqual([]);
    expect(w).toEqual({
      oldTimeline: 1,
      newTimeline: 2,
      oldNodes: ['pg0'],
      newNode: 'proxy',
      newFirstAckT: 5000,
      oldLastAckT: 7300,
      windowMs: 2300,
      acked: ['1/2', '1/3'],
      lost: ['1/2', '1/3'],
    });
  });

  it('reports no window when the old primary stopped acknowledging before the new one took writes', () => {
    const batches = [ack(1, 1, 'proxy', 100, 1), ack(1, 2, 'proxy', 900, 1), ack(1, 3, 'proxy', 4000, 2)];
    expect(deposedWindows(batches, present([1, 1], [1, 2], [1, 3]))).toEqual([
      {
        oldTimeline: 1,
        newTimeline: 2,
        oldNodes: [],
        newNode: 'proxy',
        newFirstAckT: 4000,
        oldLastAckT: 900,
        windowMs: 0,
        acked: [],
        lost: [],
      },
    ]);
  });

  it('counts a late commit the survivor holds as acknowledged but not lost, and leaves loss unknown without the survivor', () => {
    const batches = [ack(1, 1, 'pg0', 100, 3), ack(2, 1, 's2', 200, 4), ack(1, 2, 'pg0', 260, 3)];
    expect(deposedWindows(batches, present([1, 1], [1, 2], [2, 1]))[0]).toMatchObject({ windowMs: 60, acked: ['1/2'], lost: [] });
    expect(deposedWindows(batches)[0]).toMatchObject({ windowMs: 60, acked: ['1/2'], lost: null });
  });

  it('counts a batch present only as rows, without its ledger row, as lost', () => {
    const batches = [ack(1, 1, 'pg0', 100, 1), ack(2, 1, 's1', 200, 2), ack(1, 2, 'pg0', 300, 1)];
    const survivor = [...present([1, 1], [2, 1]), { client: 1, seq: 2, ledgerRows: null, rows: 10 }];
    expect(deposedWindows(batches, survivor)[0]?.lost).toEqual(['1/2']);
  });

  it('reads ledgers in any order and finds each failover, oldest first', () => {
    const batches = [ack(1, 4, 's2', 900, 3), ack(1, 1, 'pg0', 100, 1), ack(1, 3, 's1', 600, 2), ack(1, 2, 's1', 300, 2)];
    expect(deposedWindows(batches).map((w) => [w.oldTimeline, w.newTimeline, w.newNode, w.newFirstAckT, w.windowMs])).toEqual([
      [1, 2, 's1', 300, 0],
      [2, 3, 's2', 900, 0],
    ]);
  });

  it('finds no failover when every commit was on one timeline, and none in an empty ledger', () => {
    expect(deposedWindows([ack(1, 1, 'pg0', 100, 1), ack(1, 2, 'pg0', 200, 1)])).toEqual([]);
    expect(deposedWindows([])).toEqual([]);
  });
});
