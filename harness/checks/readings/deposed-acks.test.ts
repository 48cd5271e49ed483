import { describe, expect, it } from 'vitest';
import type { Batch, PresentBatch } from '../../history/samples.ts';
import { deposedAcks } from './deposed-acks.ts';

const batch = (client: number, seq: number, node: string, startT: number, outcome: Batch['outcome'] = 'acked', timeline = 1): Batch => ({
  client,
  seq,
  node,
  startT,
  endT: startT + 10,
  outcome,
  timeline,
});
const present = (...keys: [number, number][]): PresentBatch[] => keys.map(([client, seq]) => ({ client, seq, ledgerRows: 10, rows: 10 }));

describe('deposedAcks', () => {
  it('counts what another node acknowledged after the promotion (repmgr #766: pg0 back unfenced), and what of it is lost', () => {
    const batches = [
      batch(1, 1, 'pg0', 100), // before any failover
      batch(1, 2, 'pg0', 4990), // begun before s2 accepted writes: a promotion's to judge
      batch(1, 3, 's2', 5100, 'acked', 2),
      batch(1, 4, 'pg0', 62_000), // pg0 back as a primary
      batch(1, 5, 'pg0', 62_100),
      batch(1, 6, 'pg0', 62_200, 'failed'),
      batch(1, 7, 'pg0', 62_300, 'unknown'),
    ];
    const r = deposedAcks(batches, [{ to: 's2', promotedT: 5000 }], present([1, 1], [1, 2], [1, 3], [1, 5]));
    expect(r.acked).toEqual([
      { batch: '1:4', node: 'pg0', promoted: 's2', promotedT: 5000, ackT: 62_010 },
      { batch: '1:5', node: 'pg0', promoted: 's2', promotedT: 5000, ackT: 62_110 },
    ]);
    expect(r.lost).toEqual(['1:4']);
    // A batch begun the very moment the new primary took writes is after the promotion.
    expect(deposedAcks([batch(1, 1, 'pg0', 100), batch(1, 2, 'pg0', 5000)], [{ to: 's2', promotedT: 5000 }], present()).lost).toEqual([
      '1:2',
    ]);
  });

  it('follows each failover: after a second promotion its primary is the one that may acknowledge', () => {
    const batches = [
      batch(1, 0, 'pg0', 100),
      batch(1, 1, 's1', 6000, 'acked', 2),
      batch(1, 2, 's1', 20_000, 'acked', 2),
      batch(1, 3, 's2', 20_100, 'acked', 3),
    ];
    const failovers = [
      { to: 's2', promotedT: 15_000 }, // given out of order on purpose
      { to: 's1', promotedT: 5000 },
    ];
    const r = deposedAcks(batches, failovers, present());
    expect(r.acked.map((a) => [a.batch, a.promoted])).toEqual([['1:2', 's2']]);
    expect(r.lost).toEqual(['1:2']);
  });

  it('takes a node writing on a timeline first seen after the promotion as promoted since, not deposed', () => {
    const batches = [
      batch(1, 1, 'pg0', 100),
      batch(1, 2, 's1', 6000, 'acked', 2), // s1 promoted at 5000
      batch(1, 3, 'pg0', 30_000, 'acked', 3), // a switchover back to pg0, which the failovers do not list
      batch(1, 4, 's2', 40_500, 'acked', 4), // s2 promoted at 40 000, its view read at 41 000
      { ...batch(1, 5, 'pg0', 30_100), timeline: undefined }, // no timeline: nothing says which history took it
    ];
    const failovers = [
      { to: 's1', promotedT: 5000 },
      { to: 's2', promotedT: 41_000 },
    ];
    expect(deposedAcks(batches, failovers, present())).toEqual({ acked: [], lost: [] });
    // The same pg0 batch on timeline 1, in use before s1's promotion: a deposed primary's.
    expect(deposedAcks([...batches, batch(1, 6, 'pg0', 30_200)], failovers, present()).lost).toEqual(['1:6']);
  });

  it('finds nothing without a failover, or when only the promoted primary acknowledged after it', () => {
    const batches = [batch(1, 1, 'pg0', 100), batch(1, 2, 'pg0', 9000)];
    expect(deposedAcks(batches, [], present())).toEqual({ acked: [], lost: [] });
    expect(deposedAcks(batches, [{ to: 'pg0', promotedT: 5000 }], present())).toEqual({ acked: [], lost: [] });
  });
});
