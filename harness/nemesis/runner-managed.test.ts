/**
 * Nemesis.play on a cluster under a manager (fault-side.ts `managedFaults`), with a fake
 * ManagedCluster that writes down what was done to it: targets resolved on the manager's leader
 * and the DCS's leader as each fault lands, DCS members and database nodes held apart, a quorum
 * loss holding each member it kills, the primary taken out counted, refusals skipped with the reason.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FaultHost } from '../db/host.ts';
import type { Schedule, ScheduledFault } from '../history/fault.ts';
import { managedFaults } from './fault-side.ts';
import type { ManagedCluster } from './managed.ts';
import { Nemesis } from './runner.ts';

let now = 0;
const calls: string[] = [];
let leader: string | undefined = 'pg0';
let proxy = true;
/** How long the manager takes to name its leader, ms of the fake clock (a node's REST API frozen: 2 s per lookup). */
let leaderLookupMs = 0;

function fakeCluster(): ManagedCluster {
  const host = (name: string): FaultHost => ({
    crash: async () => void calls.push(`${name} crash at ${now}`),
    freeze: async () => void calls.push(`${name} freeze at ${now}`),
    thaw: async () => void calls.push(`${name} thaw at ${now}`),
    disconnect: async () => void calls.push(`${name} disconnect at ${now}`),
    reconnect: async () => void calls.push(`${name} reconnect at ${now}`),
    ensureUp: async () => void calls.push(`${name} boot at ${now}`),
    running: async () => true,
  });
  return {
    manager: 'patroni',
    nodeNames: ['pg0', 'pg1', 'pg2'],
    leader: async () => {
      if (leaderLookupMs) await new Promise((r) => setTimeout(r, leaderLookupMs));
      return leader;
    },
    nodeHost: host,
    kill9Postmaster: async (n) => void calls.push(`${n} kill9 postmaster at ${now}`),
    agent: (n) => ({
      kill: async () => void calls.push(`${n} agent kill at ${now}`),
      freeze: async () => void calls.push(`${n} agent stop at ${now}`),
      thaw: async () => void calls.push(`${n} agent cont at ${now}`),
      start: async () => void calls.push(`${n} agent start at ${now}`),
    }),
    dcsNames: ['etcd0', 'etcd1', 'etcd2'],
    dcsLeader: async () => 'etcd1',
    dcsHost: host,
    ...(proxy ? { proxy: { name: 'haproxy', host: host('haproxy') } } : {}),
  };
}

const rec = { clock: { now: () => now }, fault: () => now, heal: () => now, lastsToEnd: () => {}, step: vi.fn(() => now) };
const fault = (
  id: number,
  atMs: number,
  durationMs: number,
  target: ScheduledFault['target'],
  kind: ScheduledFault['kind'],
): ScheduledFault => ({
  id,
  atMs,
  durationMs,
  target,
  kind,
});
const schedule = (faults: ScheduledFault[]): Schedule => ({ seed: 1, durationMs: 10_000, recoveryMs: 1000, faults });

beforeEach(() => {
  calls.length = 0;
  now = 0;
  leader = 'pg0';
  proxy = true;
  leaderLookupMs = 0;
  vi.useFakeTimers();
});

async function play(s: Schedule, during?: (t: number) => void) {
  const nemesis = new Nemesis(managedFaults(fakeCluster()), rec);
  const done = nemesis.play(s);
  for (let i = 0; i < 120; i++) {
    now += 100;
    during?.(now);
    await vi.advanceTimersByTimeAsync(100);
  }
  return { played: await done, nemesis };
}

describe('Nemesis.play on a managed cluster', () => {
  it("hits the manager's leader and the DCS's leader as each fault lands, and heals each without starting PostgreSQL", async () => {
    const { played } = await play(
      schedule([
        fault(0, 1000, 1000, 'primary', 'crash-host-silent'),
        fault(1, 1500, 1000, 'primary', 'dcs-kill'),
        fault(2, 4000, 1000, 'primary', 'kill9-agent'),
      ]),
      // Patroni promoted pg1 while pg0 was down.
      (t) => t === 3000 && (leader = 'pg1'),
    );
    expect(calls).toEqual([
      'pg0 crash at 1000',
      'etcd1 crash at 1500',
      'pg0 boot at 2000',
      'pg0 agent start at 2000',
      'etcd1 boot at 2500',
      'pg1 agent kill at 4000',
      'pg1 agent start at 5000',
    ]);
    expect(played.injected.map((i) => [i.id, i.nodes, i.failed, i.primaryOut])).toEqual([
      [0, ['pg0'], ['pg0'], true],
      [1, ['etcd1'], [], false],
      [2, ['pg1'], [], false],
    ]);
    // A DCS member and an agent take no database node out.
    expect(played.mostFailedAtOnce).toBe(1);
    expect(played.skipped).toEqual([]);
  });

  it("skips a node fault on a node another fault holds; a DCS member's fault never holds a database node", async () => {
    const { played } = await play(
      schedule([
        fault(0, 1000, 3000, 'primary', 'freeze-agent'),
        fault(1, 1500, 1000, { node: 'pg0' }, 'isolate'),
        fault(2, 2000, 1000, { node: 'etcd0' }, 'dcs-isolate'),
      ]),
    );
    expect(calls).toEqual(['pg0 agent stop at 1000', 'etcd0 disconnect at 2000', 'etcd0 reconnect at 3000', 'pg0 agent cont at 4000']);
    expect(played.skipped).toEqual([
      { id: 1, what: 'isolate pg0', reason: 'pg0 is held by another fault in effect', kind: 'isolate', attempted: false },
    ]);
  });

  it('holds every member a quorum loss kills', async () => {
    const { played } = await play(
      schedule([fault(0, 1000, 3000, 'primary', 'dcs-quorum-loss'), fault(1, 2000, 1000, { node: 'etcd2' }, 'dcs-freeze')]),
    );
    // From the DCS's leader etcd1 on: etcd1 and etcd2 (managed.ts quorumBreakers).
    expect(played.injected[0]!.nodes).toEqual(['etcd1', 'etcd2']);
    expect(played.skipped.map((s) => s.reason)).toEqual(['etcd2 is held by another fault in effect']);
  });

  it('skips, with the reason, a fault on the leader when there is none, and a proxy kill without a proxy', async () => {
    leader = undefined;
    proxy = false;
    const { played } = await play(
      schedule([fault(0, 1000, 1000, 'primary', 'kill9-postmaster'), fault(1, 3000, 1000, 'primary', 'kill-proxy')]),
    );
    expect(calls).toEqual([]);
    expect(played.skipped).toEqual([
      { id: 0, what: 'kill9-postmaster primary', reason: "no patroni's leader to target now", kind: 'kill9-postmaster', attempted: false },
      {
        id: 1,
        what: 'kill-proxy primary',
        reason: 'kill-proxy primary: the cluster has no proxy (clients connect to the nodes)',
        kind: 'kill-proxy',
        attempted: false,
      },
    ]);
  });

  it('heals each fault on time while a later injection is slow to resolve its target', async () => {
    // etcd2 frozen 1 s from +1 s; from +1.5 s the leader is the target of an agent freeze, and every
    // lookup of it takes 2 s (a frozen node's REST API timing out): the heal at +2 s must not wait for it.
    const { played } = await play(
      schedule([fault(0, 1000, 1000, { node: 'etcd2' }, 'dcs-freeze'), fault(1, 1500, 1000, 'primary', 'freeze-agent')]),
      (t) => {
        if (t === 1500) leaderLookupMs = 2000;
      },
    );
    expect(calls).toContain('etcd2 thaw at 2000');
    expect(played.injected.find((f) => f.id === 0)!.healT).toBe(2000);
  });
});
