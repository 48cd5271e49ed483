import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.ts';
import { ExecError, WaitTimeoutError } from '../errors.ts';
import { compareLsn } from '../lsn.ts';

// The PostgreSQL::Test::Cluster-style API on a real cluster: the pieces scenarios build on.
describe('PgNode on a real cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('reads WAL positions where PostgreSQL defines them', async () => {
    const s1 = cluster.node('s1');
    expect(await cluster.primary.lsn('insert')).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(await cluster.primary.lsn('receive')).toBeNull(); // pg_last_wal_receive_lsn() is NULL on a primary
    expect(await s1.lsn('receive')).toMatch(/\//);
    expect(await s1.inRecovery()).toBe(true);
  });

  it('pollQueryUntil and waitForCatchup see a change replayed on a standby', async () => {
    await cluster.primary.safePsql('CREATE TABLE probe AS SELECT 42 AS answer');
    const lsn = (await cluster.primary.lsn('write'))!;
    await cluster.primary.waitForCatchup('s1', { mode: 'replay', lsn });
    expect(compareLsn((await cluster.node('s1').lsn('replay'))!, lsn)).toBeGreaterThanOrEqual(0);
    await cluster.node('s2').pollQueryUntil('SELECT answer FROM probe', { expected: '42', timeoutMs: 10_000 });
  });

  it('pollQueryUntil times out with what it awaited and what it last saw', async () => {
    const err = await cluster.primary.pollQueryUntil('SELECT 1', { expected: '2', timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toMatch(/timed out after 300 ms waiting for primary: SELECT 1 = 2; last seen: "1"/);
  });

  it('safePsql reports SQL errors with the server message', async () => {
    await expect(cluster.primary.safePsql('SELECT * FROM no_such_table')).rejects.toThrow(ExecError);
    await expect(cluster.primary.safePsql('SELECT * FROM no_such_table')).rejects.toThrow(/relation "no_such_table" does not exist/);
  });

  it('a killed host keeps its data directory and streams again after start', async () => {
    const s2 = cluster.node('s2');
    await s2.host.crash();
    expect(await s2.host.running()).toBe(false);
    await cluster.primary.safePsql('INSERT INTO probe VALUES (43)');
    await s2.start();
    await cluster.waitForStreaming({ timeoutMs: 30_000 });
    await cluster.primary.waitForCatchup('s2');
    expect(await s2.safePsql('SELECT count(*) FROM probe')).toBe('2');
    expect(await s2.logs()).toMatch(/database system was interrupted|redo starts at/);
  });
});
