/**
 * verifyConsistent records its metrics before its verdicts stop the story: a failed row-hash
 * check leaves `hashesEqual: false` in the record (the hole: it was only ever true).
 * Nodes and the writer are stand-ins answering the SQL the end of a story sends.
 */
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../db/cluster.ts';
import type { Batch } from '../history/samples.ts';
import type { BatchWriter } from '../load/writer.ts';
import { Recorder } from './recorder.ts';
import type { ScenarioContext } from './scenario.ts';
import type { ReplicationObserver } from '../load/observer.ts';
import { catchupDeadlineMs } from '../model/catchup.ts';
import { explainNotStreaming, streamingDeadlineMs, verifyConsistent } from './steps.ts';
import type { PgNode } from '../db/pg-node.ts';
import { WaitTimeoutError } from '../errors.ts';

/** A node whose psql answers the row-hash read with `rows|hash` and the ledger read with one whole batch. */
const node = (name: string, rows: number, hash: string) => ({
  name,
  timeline: async () => 1,
  lsn: async () => '0/3000060',
  safePsql: async (sql: string) => (sql.includes('FULL JOIN') ? '1|1|1000|1000' : `${rows}|${hash}|1|7`),
});

function story(hashes: Array<[string, string]>) {
  const nodes = hashes.map(([rows, hash], i) => node(i === 0 ? 'primary' : `s${i}`, Number(rows), hash));
  const cluster = { nodes, primary: nodes[0], standbys: nodes.slice(1), catchUpAll: async () => '0/3000060' } as unknown as Cluster;
  const ledger: Batch[] = [{ client: 1, seq: 1, node: 'primary', startT: 0, endT: 1, outcome: 'acked', timeline: 1 }];
  const writer = { stop: async () => {}, ledger: () => ledger } as unknown as BatchWriter;
  const rec = new Recorder('stand-in', 'steps.test.ts');
  const ctx = {
    rec,
    verify: (v: { status: string; check: string }) => {
      rec.verdict(v as never);
      if (v.status !== 'passed') throw new Error(`${v.check}: ${v.status}`);
      return v;
    },
  } as unknown as ScenarioContext;
  return { run: () => verifyConsistent(ctx, cluster, writer), rec };
}

describe('verifyConsistent', () => {
  it('records hashesEqual true and the ledger figures when every node agrees', async () => {
    const { run, rec } = story([
      ['1000', '42'],
      ['1000', '42'],
    ]);
    await run();
    expect(rec.metrics).toMatchObject({ hashesEqual: true, ackedBatches: 1, lostAcked: 0 });
    expect(rec.nodesAtEnd).toEqual([
      { node: 'primary', timeline: 1, rows: 1000 },
      { node: 's1', timeline: 1, rows: 1000 },
    ]);
  });
  it('records hashesEqual false before the failed check ends the story', async () => {
    const { run, rec } = story([
      ['1000', '42'],
      ['999', '41'],
    ]);
    await expect(run()).rejects.toThrow(/row hashes agree: failed/);
    expect(rec.metrics.hashesEqual).toBe(false);
  });
  it('records hashesEqual null when there is nothing to compare', async () => {
    const { run, rec } = story([
      ['0', '0'],
      ['0', '0'],
    ]);
    await expect(run()).rejects.toThrow(/unknown/);
    expect(rec.metrics.hashesEqual).toBeNull();
  });
});

describe('streamingDeadlineMs', () => {
  const MiB = 1024 * 1024;
  const cluster = { primary: { lsn: async () => '0/6400000' } } as unknown as Cluster; // 100 MiB
  const observer = (flush: string | undefined) =>
    ({
      samples: () => [{ t: 0, primary: 'primary', standbys: flush ? [{ name: 's1', flushLsn: flush }] : [] }],
    }) as unknown as ReplicationObserver;

  it('counts the WAL from the last flush LSN the observer saw to the primary now', async () => {
    expect(await streamingDeadlineMs(cluster, ['s1'], { observer: observer('0/2800000') })).toBe(catchupDeadlineMs(60 * MiB));
  });
  it('counts from `since` when given (where pg_rewind found the servers diverged)', async () => {
    expect(await streamingDeadlineMs(cluster, ['s1'], { observer: observer('0/2800000'), since: '0/5A00000' })).toBe(
      catchupDeadlineMs(10 * MiB),
    );
  });
  it('counts all WAL for a standby never seen, and the farthest standby for several', async () => {
    expect(await streamingDeadlineMs(cluster, ['s1'], { observer: observer(undefined) })).toBe(catchupDeadlineMs(100 * MiB));
    expect(await streamingDeadlineMs(cluster, ['s1', 's2'], { observer: observer('0/6000000') })).toBe(catchupDeadlineMs(100 * MiB));
  });
});

describe('explainNotStreaming', () => {
  const withLog = (name: string, log: string) => ({ name, logs: async () => log }) as unknown as PgNode;
  const timeout = new WaitTimeoutError('walsenders s1,s2 streaming', 15_000, 's1 catchup');
  it('adds the reason when a standby logged that the primary recycled the WAL it needs', async () => {
    const s2 = withLog(
      's2',
      'LOG:  started streaming WAL from primary at 0/90000000 on timeline 1\nFATAL:  could not receive data from WAL stream: ERROR:  requested WAL segment 000000010000000000000090 has already been removed\n',
    );
    const e = await explainNotStreaming(timeout, [withLog('s1', 'LOG:  ok\n'), s2]).catch((x: unknown) => x as Error);
    expect(e.message).toMatch(/^timed out after 15000 ms waiting for walsenders s1,s2 streaming/);
    expect(e.message).toMatch(
      /why: the primary recycled WAL a standby still needed \(s2: requested WAL segment 000000010000000000000090 has already been removed\).*new base backup/,
    );
    expect(e.cause).toBe(timeout);
  });
  it('rethrows the wait error unchanged when no log says so', async () => {
    await expect(explainNotStreaming(timeout, [withLog('s1', 'LOG:  ok\n')])).rejects.toBe(timeout);
  });
});
