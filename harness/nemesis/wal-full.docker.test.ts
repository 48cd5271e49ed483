/**
 * The `wal-full` fault on a real cluster whose pg_wal lives on a size-limited mount
 * (db/wal-mount.ts): a standby whose pg_wal is full stops receiving while the other one carries
 * the commits; a primary whose pg_wal is full can commit nothing; freeing the space brings both
 * back. And the mount is a disk, not memory that dies with the host: a node crashed and booted
 * again recovers from its WAL. Small max_wal_size and wal_keep_size keep the mount at 800 MB.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import { Cluster } from '../db/cluster.ts';
import { PGDATA } from '../db/pg-node.ts';
import { WAL_MOUNT } from '../db/wal-mount.ts';
import { docker, WAL_KEEPER_LABEL } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { log } from '../logger.ts';
import { compareLsn, lsnDiff } from '../lsn.ts';
import { pollUntil } from '../wait.ts';
import { injectFault, type FaultLog } from './catalogue.ts';

const WAL_SETTINGS = {
  max_wal_size: '128MB',
  min_wal_size: '32MB',
  wal_keep_size: '128MB',
  wal_sender_timeout: '4s',
  wal_retrieve_retry_interval: '1s',
};
const ENOSPC = /No space left on device/;

let cluster: Cluster;
const clock = new Clock();
const rec: FaultLog = { clock, fault: (_f, { at }) => at, heal: () => clock.now(), lastsToEnd: () => {} };

beforeAll(async () => {
  cluster = await Cluster.start({ walMountMb: 800, settings: WAL_SETTINGS });
  await cluster.primary.safePsql('CREATE TABLE ballast_test (pad text)');
}, 180_000);

afterAll(async () => {
  await cluster?.destroy();
});

beforeEach(async () => {
  await cluster.waitForStreaming({ timeoutMs: 60_000 });
});

/** About `mb` MB of WAL, committed without waiting for a standby (the fault may hold every sync standby). */
function writeWal(mb: number): Promise<string> {
  return cluster.primary.safePsql(
    `SET synchronous_commit = local; INSERT INTO ballast_test SELECT repeat(md5(i::text), 32) FROM generate_series(1, ${mb * 1000}) i`,
  );
}

/** Free space on `node`'s WAL mount, MB. */
async function freeMb(node: string): Promise<number> {
  const [blocks, size] = (await cluster.node(node).host.exec(['stat', '-f', '-c', '%a %S', WAL_MOUNT])).trim().split(' ').map(Number);
  return (blocks! * size!) / 1048576;
}

/** Waits until `node`'s server log, past `offset`, says a WAL write found no space; @returns ms from `t0`. */
async function msUntilEnospc(node: string, offset: number, t0: number): Promise<number> {
  await pollUntil(
    async () => {
      const text = (await cluster.node(node).logs()).slice(offset);
      return ENOSPC.test(text)
        ? { done: true, value: true }
        : { done: false, seen: text.split('\n').filter(Boolean).at(-1) ?? '(nothing logged)' };
    },
    { what: `${node}'s server log to report "No space left on device"`, timeoutMs: 30_000, intervalMs: 100 },
  );
  return Math.round(clock.now() - t0);
}

describe('wal-full', () => {
  it('every node has pg_wal on the size-limited mount', async () => {
    for (const n of cluster.nodes) expect((await n.host.exec(['readlink', `${PGDATA}/pg_wal`])).trim()).toBe(`${WAL_MOUNT}/pg_wal`);
  });

  it('a standby with pg_wal full stops receiving WAL while the other standby carries the commits; freed, it catches up', async () => {
    const s1 = cluster.node('s1');
    const offset = await s1.logOffset();
    const t0 = clock.now();
    const injected = await injectFault(cluster, rec, { kind: 'wal-full', target: { node: 's1' } });
    expect(injected.failed).toEqual(['s1']);
    expect(await freeMb('s1'), 'the ballast leaves no room').toBeLessThan(1);
    await writeWal(40);
    log().info({ fault: 'wal-full s1', enospcMs: await msUntilEnospc('s1', offset, t0) }, 'measured effect');
    // The commits still return: s2 is the ANY 1 standby.
    await cluster.primary.safePsql("INSERT INTO ballast_test VALUES ('sync')");
    const primaryLsn = (await cluster.primary.lsn('insert'))!;
    const s1Flush = (await cluster.primary.walSenders()).find((r) => r.name === 's1')?.flushLsn ?? '0/0';
    // 40 MB were written; s1 can have flushed at most the segment it was in when the ballast landed.
    expect(Number(lsnDiff(primaryLsn, s1Flush)), `s1 flushed up to ${s1Flush}, the primary is at ${primaryLsn}`).toBeGreaterThan(
      16 * 1024 * 1024,
    );
    const s2Flush = (await cluster.primary.walSenders()).find((r) => r.name === 's2')?.flushLsn ?? '0/0';
    expect(compareLsn(s2Flush, s1Flush), 's2 received what s1 could not').toBeGreaterThan(0);
    await injected.heal();
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
    await s1.pollQueryUntil(`SELECT pg_last_wal_replay_lsn() >= '${primaryLsn}'::pg_lsn`, { timeoutMs: 60_000 });
  }, 180_000);

  it('a primary with pg_wal full commits nothing (PANIC on the next WAL segment); freed, it runs and commits again', async () => {
    const primary = cluster.primary;
    const offset = await primary.logOffset();
    const t0 = clock.now();
    const injected = await injectFault(cluster, rec, { kind: 'wal-full', target: 'primary' });
    expect(injected.failed).toEqual([primary.name]);
    await expect(writeWal(40)).rejects.toThrow();
    log().info({ fault: 'wal-full primary', enospcMs: await msUntilEnospc(primary.name, offset, t0) }, 'measured effect');
    expect((await primary.logs()).slice(offset)).toMatch(/PANIC/);
    await injected.heal();
    await primary.pollQueryUntil('SELECT 1', { expected: '1', timeoutMs: 60_000 });
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
    await primary.safePsql("INSERT INTO ballast_test VALUES ('after heal')");
  }, 180_000);

  it('the WAL survives a host crash (the keeper holds the mount), and a ballast is freed while the host is down', async () => {
    const s2 = cluster.node('s2');
    const injected = await injectFault(cluster, rec, { kind: 'wal-full', target: { node: 's2' } });
    await writeWal(5);
    await s2.host.crash(); // as an operator's fence would power it off
    await injected.heal(); // frees the ballast from the keeper, boots the host, starts PostgreSQL
    expect(await s2.host.exec(['ls', WAL_MOUNT])).not.toMatch(/ballast/);
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
    await cluster.catchUpAll({ timeoutMs: 60_000 });
  }, 120_000);

  it('a mount smaller than max_wal_size + wal_keep_size is refused, naming both', async () => {
    const start = Cluster.start({ walMountMb: 300, standbys: ['s1'], settings: WAL_SETTINGS });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(
      /walMountMb 300 is too small for pg_wal: max_wal_size \+ wal_keep_size is 256 MB[\s\S]*give walMountMb 768 or more/,
    );
  }, 120_000);

  it('nothing is left after destroy: hosts, keepers and their volumes', async () => {
    const d = await docker();
    const mine = { name: [cluster.network.name] };
    const keepers = await d.listContainers({ all: true, filters: { ...mine, label: [WAL_KEEPER_LABEL] } });
    expect(keepers.map((k) => k.Labels[WAL_KEEPER_LABEL]).sort()).toEqual(['primary', 's1', 's2']);
    const volumes = keepers.flatMap((k) => k.Mounts.map((m) => m.Name!));
    expect(volumes).toHaveLength(3);
    await cluster.destroy();
    expect((await d.listContainers({ all: true, filters: mine })).map((c) => c.Names[0])).toEqual([]);
    for (const v of volumes) await expect(d.getVolume(v).inspect(), `volume ${v}`).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);
});
