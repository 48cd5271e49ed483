/**
 * Every fault of the catalogue on a real cluster (`ANY 1 (s1, s2)`, a trickle of writes), each
 * shown by its effect on what PostgreSQL reports and then healed back to two streaming
 * standbys. `wal_sender_timeout` is 4 s here (60 s by default) so the silent crash's effect,
 * peers noticing only through their timeouts, shows within a test.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import { Cluster } from '../db/cluster.ts';
import type { PgNode } from '../db/pg-node.ts';
import { log } from '../logger.ts';
import { lsnDiff } from '../lsn.ts';
import { pollUntil } from '../wait.ts';
import { injectFault, type FaultLog } from './catalogue.ts';
import { describeFault, type Fault } from '../history/fault.ts';

const WAL_SENDER_TIMEOUT_MS = 4000;

let cluster: Cluster;
let s1: PgNode;
const clock = new Clock();
const events: { kind: 'fault' | 'heal'; what: string; t: number; detail?: Record<string, unknown> }[] = [];
const rec: FaultLog = {
  clock,
  fault: (f, { at }) => (events.push({ kind: 'fault', what: describeFault(f), t: at }), at),
  heal: (_t, what, { detail } = {}) => (events.push({ kind: 'heal', what, t: clock.now(), ...(detail ? { detail } : {}) }), clock.now()),
  lastsToEnd: () => {},
};

beforeAll(async () => {
  cluster = await Cluster.start({ settings: { wal_sender_timeout: `${WAL_SENDER_TIMEOUT_MS}ms`, wal_retrieve_retry_interval: '1s' } });
  s1 = cluster.node('s1');
  await cluster.primary.safePsql('CREATE TABLE trickle (t timestamptz DEFAULT now(), pad text)');
}, 180_000);

afterAll(async () => {
  await cluster?.destroy();
});

beforeEach(async () => {
  // Every fault starts from two streaming standbys.
  await cluster.waitForStreaming({ timeoutMs: 60_000 });
});

/** Some WAL (one small commit); commits wait for one standby (ANY 1), so this is done from a connection that does not. */
async function write(): Promise<void> {
  await cluster.primary.safePsql(
    "SET synchronous_commit = local; INSERT INTO trickle (pad) SELECT repeat('x', 1000) FROM generate_series(1, 100)",
  );
}

/** ms until s1's walsender row is gone from the primary's pg_stat_replication. */
async function msUntilWalsenderGone(from: number, timeoutMs: number): Promise<number> {
  await pollUntil(
    async () => {
      const rows = await cluster.primary.walSenders();
      return rows.some((r) => r.name === 's1')
        ? { done: false, seen: rows.map((r) => `${r.name} ${r.state}`).join(', ') }
        : { done: true, value: true };
    },
    { what: "s1's walsender to leave pg_stat_replication", timeoutMs, intervalMs: 50 },
  );
  const ms = Math.round(clock.now() - from);
  log().info({ fault: events.findLast((e) => e.kind === 'fault')?.what, walsenderGoneMs: ms }, 'measured effect');
  return ms;
}

async function s1Replay(): Promise<string> {
  return (await cluster.primary.walSenders()).find((r) => r.name === 's1')?.replayLsn ?? '0/0';
}

async function inject(f: Fault) {
  const t0 = clock.now();
  const injected = await injectFault(cluster, rec, f);
  return { injected, t0 };
}

describe('host and server faults', () => {
  it('crash-host-loud: the primary learns of it at once (the kernel closes the connection)', async () => {
    const { injected, t0 } = await inject({ kind: 'crash-host-loud', target: { node: 's1' } });
    expect(await msUntilWalsenderGone(t0, 3000)).toBeLessThan(1500);
    await injected.heal();
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
  }, 120_000);

  it('crash-host-silent: the primary hears nothing and drops the walsender only at wal_sender_timeout', async () => {
    const { injected, t0 } = await inject({ kind: 'crash-host-silent', target: { node: 's1' } });
    await write(); // the walsender must have something to wait for an answer to
    const goneMs = await msUntilWalsenderGone(t0, 4 * WAL_SENDER_TIMEOUT_MS);
    expect(goneMs).toBeGreaterThan(WAL_SENDER_TIMEOUT_MS * 0.75);
    await injected.heal();
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
  }, 120_000);

  it('kill9-postmaster: the host lives, the server is gone, and its next start runs crash recovery', async () => {
    const offset = await s1.logOffset();
    const { injected, t0 } = await inject({ kind: 'kill9-postmaster', target: { node: 's1' } });
    expect(await msUntilWalsenderGone(t0, 10_000)).toBeLessThan(10_000);
    expect(await s1.host.running()).toBe(true);
    await injected.heal();
    await s1.waitForLog(/database system was interrupted while in recovery|database system was not properly shut down/, {
      offset,
      timeoutMs: 30_000,
    });
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
  }, 120_000);

  it.each(['stop-fast', 'stop-immediate'] as const)(
    '%s: pg_ctl stop in that mode, started again by the heal',
    async (kind) => {
      const offset = await s1.logOffset();
      const { injected } = await inject({ kind, target: { node: 's1' } });
      expect(await s1.running()).toBe(false);
      await s1.waitForLog(kind === 'stop-fast' ? /received fast shutdown request/ : /received immediate shutdown request/, {
        offset,
        timeoutMs: 10_000,
      });
      await injected.heal();
      expect(await s1.running()).toBe(true);
    },
    120_000,
  );

  it('freeze-host: the connection stays, replay stops; thawed, it goes on', async () => {
    const { injected } = await inject({ kind: 'freeze-host', target: { node: 's1' } });
    const before = await s1Replay();
    await write();
    await new Promise((r) => setTimeout(r, 1000));
    const rows = await cluster.primary.walSenders();
    expect(rows.map((r) => r.name)).toContain('s1'); // frozen, not dead: well within wal_sender_timeout
    expect(await s1Replay()).toBe(before);
    await injected.heal();
    await write();
    const target = await cluster.primary.lsn('flush');
    await cluster.primary.waitForCatchup('s1', { mode: 'replay', lsn: target!, timeoutMs: 30_000 });
  }, 120_000);

  it('freeze-postmaster: running children go on replaying, but no new connection is accepted', async () => {
    const { injected } = await inject({ kind: 'freeze-postmaster', target: { node: 's1' } });
    try {
      await write();
      const target = await cluster.primary.lsn('flush');
      await cluster.primary.waitForCatchup('s1', { mode: 'replay', lsn: target!, timeoutMs: 10_000 }); // the walreceiver and startup process run on
      await expect(s1.safePsql('SELECT 1', { timeoutMs: 3000 })).rejects.toThrow(/timed out/); // the postmaster does not fork a backend
    } finally {
      await injected.heal();
    }
    expect(await s1.safePsql('SELECT 1')).toBe('1');
  }, 120_000);
});

describe('network faults', () => {
  it('isolate: replay stops and the walsender goes at wal_sender_timeout; healed, streaming again', async () => {
    const { injected, t0 } = await inject({ kind: 'isolate', target: { node: 's1' } });
    await write();
    expect(await msUntilWalsenderGone(t0, 4 * WAL_SENDER_TIMEOUT_MS)).toBeGreaterThan(WAL_SENDER_TIMEOUT_MS * 0.75);
    await injected.heal();
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
  }, 120_000);

  it('one-way-loss: the primary cannot reach s1, so the walsender goes at wal_sender_timeout', async () => {
    const { injected, t0 } = await inject({ kind: 'one-way-loss', target: 'primary', params: { to: { node: 's1' } } });
    expect(injected.nodes).toEqual(['primary', 's1']);
    await write();
    expect(await msUntilWalsenderGone(t0, 4 * WAL_SENDER_TIMEOUT_MS)).toBeGreaterThan(WAL_SENDER_TIMEOUT_MS * 0.75);
    await injected.heal();
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
  }, 120_000);

  it('split: the primary alone against both standbys, then both stream again', async () => {
    const { injected } = await inject({
      kind: 'split',
      target: 'primary',
      params: { groups: [['primary'], [{ node: 's1' }, { node: 's2' }]] },
    });
    expect([...injected.nodes].sort()).toEqual(['primary', 's1', 's2']);
    await write();
    await pollUntil(
      async () => {
        const rows = await cluster.primary.walSenders();
        return rows.length === 0 ? { done: true, value: true } : { done: false, seen: rows.map((r) => r.name).join(', ') };
      },
      { what: 'every walsender to go (wal_sender_timeout)', timeoutMs: 4 * WAL_SENDER_TIMEOUT_MS },
    );
    await injected.heal();
    await cluster.waitForStreaming({ timeoutMs: 60_000 });
  }, 120_000);

  it('packet-loss: drops a share of s1 packets (iptables counters) while replication goes on', async () => {
    const { injected } = await inject({ kind: 'packet-loss', target: { node: 's1' }, params: { rate: 0.3 } });
    for (let i = 0; i < 5; i++) await write();
    const target = await cluster.primary.lsn('flush');
    await cluster.primary.waitForCatchup('s1', { mode: 'replay', lsn: target!, timeoutMs: 60_000 });
    const dropped = await s1.host.ruleCounters();
    await injected.heal();
    log().info({ fault: 'packet-loss 30 %', counters: dropped.filter((r) => r.rule.includes('statistic')) }, 'measured effect');
    expect(dropped.filter((r) => r.rule.includes('statistic') && r.packets > 0).length).toBeGreaterThan(0);
  }, 120_000);

  it("bandwidth: the primary's WAL reaches the standbys no faster than the limit", async () => {
    const kbit = 512;
    const { injected } = await inject({ kind: 'bandwidth', target: 'primary', params: { kbit } });
    try {
      const from = await s1Replay();
      const t0 = clock.now();
      for (let i = 0; i < 4; i++) await write(); // ~400 kB of rows, more with WAL overhead
      // Evidence first: wait until 64 kB reached s1 (a second at the limit), then judge the rate.
      const bytes = await pollUntil(
        async () => {
          const b = Number(lsnDiff(await s1Replay(), from));
          return b >= 64_000 ? { done: true, value: b } : { done: false, seen: `${b} bytes replayed` };
        },
        { what: '64 kB of WAL to reach s1 through the limit', timeoutMs: 30_000, intervalMs: 100 },
      );
      const bytesPerS = bytes / ((clock.now() - t0) / 1000);
      log().info({ fault: `bandwidth ${kbit} kbit/s`, replayedBytesPerS: Math.round(bytesPerS) }, 'measured effect');
      expect(bytesPerS).toBeLessThan(((kbit * 1000) / 8) * 1.5); // 64 kB/s, and some burst
    } finally {
      await injected.heal();
    }
  }, 120_000);
});

describe('replication faults', () => {
  it('kill-walreceiver: s1 reconnects with a new walreceiver', async () => {
    const pid = await s1.safePsql('SELECT pid FROM pg_stat_wal_receiver');
    const { injected } = await inject({ kind: 'kill-walreceiver', target: { node: 's1' } });
    await s1.pollQueryUntil(`SELECT pid <> ${pid} AND status = 'streaming' FROM pg_stat_wal_receiver`, { timeoutMs: 30_000 });
    await injected.heal();
  }, 120_000);

  it("kill-walsender: the primary's walsender for s1 is replaced by a new one", async () => {
    const pid = await cluster.primary.safePsql("SELECT pid FROM pg_stat_replication WHERE application_name = 's1'");
    const { injected } = await inject({ kind: 'kill-walsender', target: { node: 's1' } });
    await cluster.primary.pollQueryUntil(`SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = 's1' AND pid <> ${pid}`, {
      timeoutMs: 30_000,
    });
    await injected.heal();
  }, 120_000);

  it('pause-replay: s1 still flushes (it confirms commits) but does not replay; resumed, it catches up', async () => {
    const { injected } = await inject({ kind: 'pause-replay', target: { node: 's1' } });
    const replayed = await s1Replay();
    await write();
    const target = await cluster.primary.lsn('flush');
    await cluster.primary.waitForCatchup('s1', { mode: 'flush', lsn: target!, timeoutMs: 10_000 });
    expect(await s1Replay()).toBe(replayed);
    await injected.heal();
    await cluster.primary.waitForCatchup('s1', { mode: 'replay', lsn: target!, timeoutMs: 10_000 });
  }, 120_000);

  it('refuses a standby-only fault on the primary, recording nothing', async () => {
    const n = events.length;
    await expect(injectFault(cluster, rec, { kind: 'pause-replay', target: 'primary' })).rejects.toThrow(
      /targets a standby; primary is the primary/,
    );
    expect(events.length).toBe(n);
  });
});

it('recorded every fault with its heal, and healed everything', () => {
  const faults = events.filter((e) => e.kind === 'fault');
  const heals = events.filter((e) => e.kind === 'heal');
  expect(faults.length).toBe(15);
  expect(heals.map((h) => h.what)).toEqual(faults.map((f) => `heal ${f.what}`));
  expect(heals.filter((h) => h.detail?.healError)).toEqual([]);
});
