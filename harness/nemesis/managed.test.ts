import { describe, expect, it } from 'vitest';
import type { Cluster } from '../db/cluster.ts';
import type { FaultHost } from '../db/host.ts';
import type { Fault } from '../history/fault.ts';
import { type FaultLog, injectFault } from './catalogue.ts';
import { ConfigError } from '../errors.ts';
import {
  checkManagedKinds,
  injectManagedFault,
  MANAGED_FAULT_KINDS,
  type ManagedCluster,
  managedKinds,
  quorumBreakers,
} from './managed.ts';

/** A managed cluster that only writes down what was done to it: it has no way to start PostgreSQL at all. */
function fake(o: { leader?: string; dcsLeader?: string; manager?: string } = {}) {
  const calls: string[] = [];
  const host = (name: string): FaultHost => ({
    crash: async (x) => void calls.push(`${name} crash${x?.silent ? ' silent' : ''}`),
    freeze: async () => void calls.push(`${name} freeze`),
    thaw: async () => void calls.push(`${name} thaw`),
    disconnect: async () => void calls.push(`${name} disconnect`),
    reconnect: async () => void calls.push(`${name} reconnect`),
    ensureUp: async () => void calls.push(`${name} boot`),
    running: async () => true,
  });
  const cluster: ManagedCluster = {
    manager: o.manager ?? 'patroni',
    nodeNames: ['pg0', 's1', 's2'],
    leader: async () => ('leader' in o ? o.leader : 's1'),
    nodeHost: host,
    kill9Postmaster: async (n) => void calls.push(`${n} kill9 postmaster`),
    agent: (n) => ({
      kill: async () => void calls.push(`${n} agent kill`),
      freeze: async () => void calls.push(`${n} agent stop`),
      thaw: async () => void calls.push(`${n} agent cont`),
      start: async () => void calls.push(`${n} agent start`),
    }),
    dcsNames: ['etcd0', 'etcd1', 'etcd2'],
    dcsLeader: async () => ('dcsLeader' in o ? o.dcsLeader : 'etcd2'),
    dcsHost: host,
    proxy: { name: 'haproxy', host: host('haproxy') },
  };
  const events: string[] = [];
  let t = 0;
  const rec: FaultLog = {
    clock: { now: () => t++ },
    fault: (f, { nodes, at }) => (events.push(`fault ${f.kind} ${nodes.join(',')}`), at),
    heal: (_t, what, { detail } = {}) => (events.push(`${what}${detail?.note ? `: ${detail.note}` : ''}`), t),
    lastsToEnd: () => {},
  };
  return { cluster, calls, events, rec };
}

async function injectAndHeal(f: Fault, o?: Parameters<typeof fake>[0]) {
  const x = fake(o);
  const injected = await injectManagedFault(x.cluster, x.rec, f);
  await injected.heal();
  return { ...x, injected };
}

describe('injectManagedFault', () => {
  it('heals a host crash by booting the host and starting the agent, never PostgreSQL itself', async () => {
    const { calls, injected, events } = await injectAndHeal({ kind: 'crash-host-silent', target: 'primary' });
    expect(calls).toEqual(['s1 crash silent', 's1 boot', 's1 agent start']);
    expect(injected.failed).toEqual(['s1']);
    expect(events).toEqual([
      'fault crash-host-silent s1',
      'heal crash-host-silent primary: host booted, patroni started: it starts PostgreSQL',
    ]);
  });

  it('leaves a killed postmaster to the manager', async () => {
    const { calls, events } = await injectAndHeal({ kind: 'kill9-postmaster', target: { standby: 1 } });
    expect(calls).toEqual(['s2 kill9 postmaster']);
    expect(events[1]).toBe('heal kill9-postmaster standby 1: nothing to heal: Patroni starts PostgreSQL again on its next HA loop');
    const paf = await injectAndHeal({ kind: 'kill9-postmaster', target: { standby: 1 } }, { manager: 'pg_auto_failover' });
    expect(paf.events[1]).toBe(
      "heal kill9-postmaster standby 1: nothing to heal: pg_autoctl's supervisor starts its postgres service again",
    );
  });

  it("heals a killed postmaster by the cluster's own heal where the agent never starts PostgreSQL (repmgr)", async () => {
    const x = fake({ manager: 'repmgr' });
    const cluster: ManagedCluster = {
      ...x.cluster,
      healKilledPostmaster: async (n) => (x.calls.push(`${n} service start`), 'PostgreSQL started by the host'),
    };
    const injected = await injectManagedFault(cluster, x.rec, { kind: 'kill9-postmaster', target: 'primary' });
    await injected.heal();
    expect(x.calls).toEqual(['s1 kill9 postmaster', 's1 service start']);
    expect(x.events[1]).toBe('heal kill9-postmaster primary: PostgreSQL started by the host');
  });

  it.each([
    ['freeze-host', ['pg0 freeze', 'pg0 thaw']],
    ['isolate', ['pg0 disconnect', 'pg0 reconnect']],
    ['kill9-agent', ['pg0 agent kill', 'pg0 agent start']],
    ['freeze-agent', ['pg0 agent stop', 'pg0 agent cont']],
  ] as const)('%s on a node: undone by its own undo', async (kind, expected) => {
    const { calls, injected } = await injectAndHeal({ kind, target: { node: 'pg0' } });
    expect(calls).toEqual(expected);
    expect(injected.failed).toEqual(kind.endsWith('agent') ? [] : ['pg0']);
  });

  it("aims a DCS fault at the DCS's own leader, or a follower, and takes no database node out", async () => {
    const leader = await injectAndHeal({ kind: 'dcs-kill', target: 'primary' });
    expect(leader.calls).toEqual(['etcd2 crash', 'etcd2 boot']);
    expect(leader.injected.failed).toEqual([]);
    expect((await injectAndHeal({ kind: 'dcs-freeze', target: { standby: 1 } })).calls).toEqual(['etcd1 freeze', 'etcd1 thaw']);
    expect((await injectAndHeal({ kind: 'dcs-isolate', target: { node: 'etcd0' } })).calls).toEqual([
      'etcd0 disconnect',
      'etcd0 reconnect',
    ]);
  });

  it('loses the DCS quorum by killing a majority, and boots each at the heal', async () => {
    const { calls, injected } = await injectAndHeal({ kind: 'dcs-quorum-loss', target: 'primary' });
    expect(injected.nodes).toEqual(['etcd2', 'etcd0']);
    expect(calls).toEqual(['etcd2 crash', 'etcd0 crash', 'etcd2 boot', 'etcd0 boot']);
  });

  it('kills and boots the proxy', async () => {
    const { calls, injected } = await injectAndHeal({ kind: 'kill-proxy', target: 'primary' });
    expect(calls).toEqual(['haproxy crash', 'haproxy boot']);
    expect(injected.nodes).toEqual(['haproxy']);
  });

  it('refuses, recording nothing: no leader to target, an unknown name, a kind not under a manager', async () => {
    const x = fake({ leader: undefined, dcsLeader: undefined });
    await expect(injectManagedFault(x.cluster, x.rec, { kind: 'kill9-agent', target: 'primary' })).rejects.toThrow(
      "no patroni's leader to target now",
    );
    await expect(injectManagedFault(x.cluster, x.rec, { kind: 'dcs-kill', target: 'primary' })).rejects.toThrow(
      "no the DCS's leader to target now",
    );
    await expect(injectManagedFault(x.cluster, x.rec, { kind: 'dcs-kill', target: { node: 'pg0' } })).rejects.toThrow(
      'no "pg0" to target (there are: etcd0, etcd1, etcd2)',
    );
    await expect(injectManagedFault(x.cluster, x.rec, { kind: 'pause-replay', target: { node: 's1' } })).rejects.toThrow(
      /pause-replay is not in the catalogue under a manager \(patroni\)/,
    );
    expect(x.events).toEqual([]);
    expect(x.calls).toEqual([]);
  });
});

describe('the catalogue under pg_auto_failover: its one monitor is the DCS, and it has no proxy', () => {
  it('leaves out the quorum loss and the proxy, and refuses them at injection, saying why, recording nothing', async () => {
    expect(managedKinds('pg_auto_failover')).toEqual(MANAGED_FAULT_KINDS.filter((k) => k !== 'dcs-quorum-loss' && k !== 'kill-proxy'));
    expect(managedKinds('patroni')).toEqual(MANAGED_FAULT_KINDS);
    const x = fake({ manager: 'pg_auto_failover' });
    await expect(injectManagedFault(x.cluster, x.rec, { kind: 'dcs-quorum-loss', target: 'primary' })).rejects.toThrow(
      /dcs-quorum-loss is not in the catalogue under a manager \(pg_auto_failover: .*monitor is one node, not a quorum.*\): use one of /,
    );
    await expect(injectManagedFault(x.cluster, x.rec, { kind: 'kill-proxy', target: 'primary' })).rejects.toThrow(/has no proxy/);
    expect(x.events).toEqual([]);
    expect(x.calls).toEqual([]);
  });

  it('checks named kinds before any container starts: a ConfigError naming the kinds there are', () => {
    expect(() => checkManagedKinds('pg_auto_failover', ['isolate', 'dcs-kill', 'kill9-agent'])).not.toThrow();
    expect(() => checkManagedKinds('pg_auto_failover', ['isolate', 'dcs-quorum-loss'])).toThrow(ConfigError);
    expect(() => checkManagedKinds('patroni', ['wal-full'])).toThrow(/fault kind wal-full cannot be played under patroni/);
  });
});

describe('the catalogue under repmgr: no DCS and no proxy', () => {
  it('leaves out every DCS kind and the proxy, each with its reason, so the defaults and --kinds checks are right', async () => {
    const dcsAndProxy = ['dcs-kill', 'dcs-freeze', 'dcs-isolate', 'dcs-quorum-loss', 'kill-proxy'];
    expect(managedKinds('repmgr')).toEqual(MANAGED_FAULT_KINDS.filter((k) => !dcsAndProxy.includes(k)));
    expect(managedKinds('repmgr')).toEqual([
      'crash-host-loud',
      'crash-host-silent',
      'kill9-postmaster',
      'freeze-host',
      'isolate',
      'kill9-agent',
      'freeze-agent',
    ]);
    for (const k of dcsAndProxy) {
      const e = (() => {
        try {
          checkManagedKinds('repmgr', ['isolate', k as never]);
        } catch (x) {
          return x as ConfigError;
        }
        throw new Error(`${k} accepted`);
      })();
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.problem).toMatch(new RegExp(`fault kind ${k} cannot be played under repmgr: repmgr has no (DCS|proxy)`));
      expect(e.fix).not.toMatch(/dcs-|kill-proxy/);
    }
    const x = fake({ manager: 'repmgr' });
    await expect(injectManagedFault(x.cluster, x.rec, { kind: 'dcs-kill', target: 'primary' })).rejects.toThrow(/repmgr has no DCS/);
    expect(x.calls).toEqual([]);
  });
});

describe('injectFault (built-in cluster)', () => {
  it("refuses a manager's kind before touching the cluster", async () => {
    const x = fake();
    await expect(injectFault({} as Cluster, x.rec, { kind: 'dcs-kill', target: 'primary' })).rejects.toThrow(
      "dcs-kill breaks a manager's own part: the built-in cluster has none",
    );
    expect(x.events).toEqual([]);
  });
});

describe('quorumBreakers', () => {
  it('takes a majority from the named member on, wrapping around', () => {
    expect(quorumBreakers(['etcd0', 'etcd1', 'etcd2'], 'etcd1')).toEqual(['etcd1', 'etcd2']);
    expect(quorumBreakers(['e0', 'e1', 'e2', 'e3', 'e4'], 'e4')).toEqual(['e4', 'e0', 'e1']);
  });
});

describe('the catalogue under pgpool: no DCS, no agent; its proxy is pgpool', () => {
  it('keeps the node kinds and kill-proxy, and refuses the DCS and agent kinds before any container starts', async () => {
    expect(managedKinds('pgpool')).toEqual([
      'crash-host-loud',
      'crash-host-silent',
      'kill9-postmaster',
      'freeze-host',
      'isolate',
      'kill-proxy',
    ]);
    expect(() => checkManagedKinds('pgpool', ['isolate', 'kill-proxy'])).not.toThrow();
    expect(() => checkManagedKinds('pgpool', ['dcs-kill'])).toThrow(/dcs-kill cannot be played under pgpool: pgpool has no DCS/);
    expect(() => checkManagedKinds('pgpool', ['kill9-agent'])).toThrow(/pgpool runs no agent on the nodes/);
    const x = fake({ manager: 'pgpool' });
    await expect(injectManagedFault(x.cluster, x.rec, { kind: 'freeze-agent', target: 'primary' })).rejects.toThrow(/no agent/);
    expect(x.events).toEqual([]);
  });
});
