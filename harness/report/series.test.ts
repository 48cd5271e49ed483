import { describe, expect, it } from 'vitest';
import type { ObserverSample } from '../history/samples.ts';
import { lagBytes, lagTimes } from './series.ts';

/** A sample of the primary with s1 `behind` bytes behind its flush LSN (0/3000000). */
const ok = (t: number, behind: number): ObserverSample => ({
  t,
  primary: 'pg0',
  flushLsn: '0/3000000',
  standbys: [
    {
      name: 's1',
      state: 'streaming',
      syncState: 'sync',
      flushLsn: `0/${(0x3000000 - behind).toString(16).toUpperCase()}`,
      replayLsn: `0/${(0x3000000 - behind).toString(16).toUpperCase()}`,
      replayLagMs: 5,
    },
  ] as ObserverSample['standbys'],
});
const failed = (t: number): ObserverSample => ({ t, primary: 'pg0', error: 'timeout expired', standbys: [] });

describe('lag series: a failed sample is a gap, not a line across the outage', () => {
  const samples = [ok(0, 100), failed(2000), failed(4000), ok(6000, 0)];

  it('lagBytes keeps the failed samples as null points', () => {
    const lag = lagBytes(samples);
    expect(lag.t).toEqual([0, 2000, 4000, 6000]);
    expect(lag.series).toEqual([{ name: 's1', flush: [100, null, null, 0], replay: [100, null, null, 0] }]);
  });

  it('lagTimes does the same', () => {
    const lag = lagTimes(samples);
    expect(lag.t).toEqual([0, 2000, 4000, 6000]);
    expect(lag.series[0]!.replay).toEqual([5, null, null, 5]);
  });
});
