import { describe, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import type { PgNode } from '../db/pg-node.ts';
import { checkSplitBrain } from '../checks/split-brain.ts';
import { SERVER_ADDRESS_SQL, type SqlNode } from '../db/sql-node.ts';
import type { Batch } from '../history/samples.ts';
import { classify, progressLine, sampleBatches } from './sampling.ts';
import { BatchWriter } from './writer.ts';

describe('classify', () => {
  it('a plain SQL error before commit means not committed', () => {
    expect(classify({ code: '25006' })).toBe('failed'); // read-only: the node is a standby now
    expect(classify({ code: '23505' })).toBe('failed');
  });
  it('losing the connection around COMMIT means the outcome is unknown', () => {
    expect(classify({})).toBe('unknown'); // "Connection terminated unexpectedly", read timeout
    expect(classify({ code: 'ECONNRESET' })).toBe('unknown');
    expect(classify({ code: '57P01' })).toBe('unknown'); // shutdown while waiting on SyncRep: committed locally
    expect(classify({ code: '08006' })).toBe('unknown');
  });
  it('an error that ends the session (FATAL, PANIC) leaves the outcome unknown, whatever its code', () => {
    // pgpool-II's answer when a standby's session fails while the primary committed the batch.
    expect(classify({ code: 'XX000', severity: 'FATAL' })).toBe('unknown');
    expect(classify({ code: '53100', severity: 'PANIC' })).toBe('unknown');
    expect(classify({ code: 'XX000', severity: 'ERROR' })).toBe('failed');
  });
});

describe('sampleBatches', () => {
  const b = (endT: number, outcome: Batch['outcome'] = 'acked', lat = 10): Batch => ({
    client: 1,
    seq: endT,
    node: 'primary',
    startT: endT - lat,
    endT,
    outcome,
  });
  it('buckets by completion time with latency statistics', () => {
    const s = sampleBatches([b(10, 'acked', 10), b(50, 'acked', 30), b(150, 'failed'), b(160, 'unknown')], 1000, 0, 200, 100);
    expect(s).toHaveLength(2);
    expect(s[0]).toMatchObject({ t: 0, commits: 2, tps: 20, rowsPerSec: 20_000, latMeanMs: 20, latStddevMs: 10, latP99Ms: 30 });
    expect(s[1]).toMatchObject({ t: 100, commits: 0, tps: 0, latMeanMs: null, latStddevMs: null, latP99Ms: null, failed: 1, unknown: 1 });
  });
  it('covers [fromT, toT) from any start, leaving out batches completed outside it', () => {
    const s = sampleBatches([b(4990), b(5000, 'failed'), b(5150, 'unknown'), b(5299), b(5300)], 1000, 5000, 5300, 100);
    expect(s.map((x) => [x.t, x.commits, x.failed, x.unknown])).toEqual([
      [5000, 0, 1, 0],
      [5100, 0, 0, 1],
      [5200, 1, 0, 0],
    ]);
  });
  it('takes the 99th percentile latency of the interval, whatever order the batches completed in', () => {
    // 200 batches with latencies 200, 199, … 1 ms: the 99th percentile is the 198th smallest.
    const batches = Array.from({ length: 200 }, (_, i) => b(500 + i, 'acked', 200 - i));
    expect(sampleBatches(batches, 1000, 0, 1000, 1000)[0]!.latP99Ms).toBe(198);
  });
});

describe('progressLine', () => {
  it('reads like pgbench --progress', () => {
    const [s] = sampleBatches([{ client: 1, seq: 1, node: 'p', startT: 0, endT: 20, outcome: 'acked' }], 1000, 0, 1000, 1000);
    expect(progressLine(5, s!)).toBe('progress: 5.0 s, 1.0 tps, lat 20.000 ms stddev 0.000');
    const [z] = sampleBatches([], 1000, 0, 1000, 1000);
    expect(progressLine(6, z!)).toBe('progress: 6.0 s, 0.0 tps, lat -nan ms stddev -nan');
    const [two] = sampleBatches(
      [
        { client: 1, seq: 1, node: 'p', startT: 0, endT: 10, outcome: 'acked' },
        { client: 2, seq: 1, node: 'p', startT: 0, endT: 30, outcome: 'acked' },
      ],
      1000,
      0,
      1000,
      1000,
    );
    expect(progressLine(5, two!)).toBe('progress: 5.0 s, 2.0 tps, lat 20.000 ms stddev 10.000');
    expect(progressLine(7, { ...z!, failed: 2, unknown: 3 })).toBe(
      'progress: 7.0 s, 0.0 tps, lat -nan ms stddev -nan, 2 failed, 3 unknown',
    );
  });
});

describe('BatchWriter rateTps', () => {
  /** A server that commits every batch after `latencyMs` (the first one after `firstMs`). */
  function fakePrimary(latencyMs: number, firstMs = latencyMs) {
    let calls = 0;
    const client = () => ({
      on() {},
      connect: async () => {},
      end: async () => {},
      query: () => new Promise((r) => setTimeout(() => r({ rows: [{ timeline: 1 }] }), calls++ === 0 ? firstMs : latencyMs)),
    });
    return { currentPrimary: async () => ({ name: 'primary', client }) as unknown as PgNode };
  }
  async function acked(w: BatchWriter, ms: number): Promise<number> {
    w.start();
    await new Promise((r) => setTimeout(r, ms));
    await w.stop();
    return w.ledger().filter((b) => b.outcome === 'acked').length;
  }

  it('starts batches at the target rate over all clients, like pgbench -R', async () => {
    const w = new BatchWriter(fakePrimary(2), new Clock(), { clients: 4, rateTps: 40, progress: false });
    const n = await acked(w, 1000);
    expect(n).toBeGreaterThanOrEqual(30);
    expect(n).toBeLessThanOrEqual(45);
  });
  it('skips the slots missed while a batch waited instead of bursting to make them up', async () => {
    // One client, 100 batches/s; its first batch waits 600 ms (a stall). Making up the missed
    // slots would commit ~100 in the second; skipping them commits ~40 after the stall.
    const w = new BatchWriter(fakePrimary(1, 600), new Clock(), { clients: 1, rateTps: 100, progress: false });
    const n = await acked(w, 1000);
    expect(n).toBeLessThanOrEqual(50);
    expect(n).toBeGreaterThanOrEqual(20);
  });
  it('refuses a rate that is not above 0', () => {
    expect(() => new BatchWriter(fakePrimary(1), new Clock(), { rateTps: 0 })).toThrow(/rateTps 0: expected a rate above 0/);
  });
});

describe('BatchWriter through a proxy', () => {
  /**
   * HAProxy in front of two servers that both take writes on timeline 1 (two primaries: one
   * was never fenced): the proxy sends odd connections to 10.0.0.1 (pg0), even ones to 10.0.0.2 (s1).
   */
  function splitProxy(): SqlNode & { backendOf(c: unknown): Promise<string> } {
    let connections = 0;
    const client = () => {
      const address = ++connections % 2 ? '10.0.0.1' : '10.0.0.2';
      return {
        on() {},
        connect: async () => {},
        end: async () => {},
        query: (q: { text: string }) =>
          new Promise((r) => setTimeout(() => r({ rows: [q.text === SERVER_ADDRESS_SQL ? { address } : { timeline: 1 }] }), 2)),
      };
    };
    const names: Record<string, string> = { '10.0.0.1': 'pg0', '10.0.0.2': 's1' };
    return {
      name: 'haproxy',
      client,
      safePsql: async () => '',
      backendOf: async (c: unknown) => {
        const r = (await (c as ReturnType<typeof client>).query({ text: SERVER_ADDRESS_SQL })) as { rows: [{ address: string }] };
        return names[r.rows[0].address]!;
      },
    } as unknown as SqlNode & { backendOf(c: unknown): Promise<string> };
  }

  it('names in the ledger the server that acknowledged each batch, and the proxy it went through', async () => {
    const proxy = splitProxy();
    const w = new BatchWriter({ currentPrimary: async () => proxy }, new Clock(), { clients: 2, progress: false });
    w.start();
    await new Promise((r) => setTimeout(r, 200));
    await w.stop();
    const acked = w.ledger().filter((b) => b.outcome === 'acked');
    expect(new Set(acked.map((b) => b.node))).toEqual(new Set(['pg0', 's1']));
    expect(acked.every((b) => b.via === 'haproxy')).toBe(true);
  });

  it('so two primaries behind one proxy are a failed one-primary verdict, which a ledger naming the proxy could not give', async () => {
    const proxy = splitProxy();
    const w = new BatchWriter({ currentPrimary: async () => proxy }, new Clock(), { clients: 2, progress: false });
    w.start();
    await new Promise((r) => setTimeout(r, 200));
    await w.stop();
    const verdict = checkSplitBrain(w.ledger());
    expect(verdict.status).toBe('failed');
    expect(verdict.evidence.conflicts[0]!.reasons).toEqual(['overlap', 'same-timeline']);
    // Named by the proxy, as before: one node, nothing to conflict with.
    expect(checkSplitBrain(w.ledger().map((b) => ({ ...b, node: b.via! }))).status).toBe('passed');
  });
});
