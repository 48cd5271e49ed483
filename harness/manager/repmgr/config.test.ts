import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { checkRepmgrApplied, checkRepmgrConfig, parseRepmgrConf, type RepmgrAppliedNode } from './config.ts';

const names = ['pg0', 's1', 's2'];

describe('repmgr config', () => {
  it('defaults: failover automatic, priority 100 everywhere, repmgr 5.3 retry timings, no witness', () => {
    expect(checkRepmgrConfig(undefined, names)).toEqual({
      failover: 'automatic',
      witness: false,
      reconnectAttempts: 6,
      reconnectIntervalS: 10,
      monitorIntervalS: 2,
      primaryVisibilityConsensus: false,
      nodes: [
        { name: 'pg0', priority: 100 },
        { name: 's1', priority: 100 },
        { name: 's2', priority: 100 },
      ],
      postgresql: {},
    });
  });

  it('reads a repmgr.conf fragment: quotes, comments, numbers, booleans', () => {
    const text = "# mine\nfailover='manual'\npriority = 50   # all nodes\nreconnect_attempts=3\nprimary_visibility_consensus=on\n";
    expect(parseRepmgrConf(text)).toEqual({ failover: 'manual', priority: 50, reconnect_attempts: 3, primary_visibility_consensus: true });
    const c = checkRepmgrConfig(text, names);
    expect(c).toMatchObject({ failover: 'manual', reconnectAttempts: 3, primaryVisibilityConsensus: true });
    expect(c.nodes.map((n) => n.priority)).toEqual([50, 50, 50]);
  });

  it('per-node priority overrides the fragment-wide one', () => {
    const c = checkRepmgrConfig({ priority: 10, nodes: { s2: { priority: 0 } } }, names);
    expect(c.nodes.map((n) => n.priority)).toEqual([10, 10, 0]);
  });

  it('refuses what pgchaos writes per node, unknown keys, and bad values, each naming the fix', () => {
    const cases: [unknown, RegExp][] = [
      ['node_id=7\n', /"node_id" is written by pgchaos for each node/],
      ["conninfo='host=x'\n", /"conninfo" is written by pgchaos/],
      ['use_replication_slots=true\n', /"use_replication_slots" is not one pgchaos passes on/],
      [{ failover: 'auto' }, /failover "auto" is neither automatic nor manual/],
      [{ witness: 'yes' }, /witness yes is not a boolean/],
      [{ nodes: { witness: { priority: 1 } } }, /there is no node "witness"/],
      [{ priority: -1 }, /priority -1 is not a whole number ≥ 0/],
      [{ reconnect_interval: 0 }, /reconnect_interval 0 is not a whole number ≥ 1/],
      [{ nodes: { s9: { priority: 1 } } }, /there is no node "s9"/],
      [{ nodes: { s1: { prio: 1 } } }, /nodes.s1.prio is unknown/],
      [{ nodes: { s1: { priority: 0 }, s2: { priority: 0 } } }, /every standby at priority 0: repmgrd would never promote one/],
      ['failover automatic\n', /line 1 "failover automatic" is not key=value/],
    ];
    for (const [raw, message] of cases) {
      let e: unknown;
      try {
        checkRepmgrConfig(raw, names);
      } catch (x) {
        e = x;
      }
      expect(e, String(raw)).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toMatch(message);
    }
  });

  it('every standby at priority 0 is fine under failover=manual', () => {
    expect(checkRepmgrConfig({ failover: 'manual', priority: 0 }, names).failover).toBe('manual');
  });
});

describe('checkRepmgrApplied: the settings read back from every node against the config', () => {
  const c = checkRepmgrConfig({ reconnect_attempts: 3, nodes: { s2: { priority: 0 } } }, names);
  const held = (over: Partial<RepmgrAppliedNode['conf']> = {}, s2Registered = 0): RepmgrAppliedNode[] =>
    c.nodes.map((n) => ({
      name: n.name,
      registeredPriority: n.name === 's2' ? s2Registered : n.priority,
      conf: {
        failover: 'automatic',
        priority: n.priority,
        reconnect_attempts: 3,
        reconnect_interval: 10,
        monitor_interval_secs: 2,
        primary_visibility_consensus: false,
        ...(n.name === 's1' ? over : {}),
      },
    }));

  it('passes what every node runs as asked', () => {
    expect(checkRepmgrApplied(c, held())).toEqual(held());
  });
  it("names each setting a node's repmgr.conf or repmgr's registration holds otherwise", () => {
    expect(() => checkRepmgrApplied(c, held({ reconnect_attempts: 6 }))).toThrow(/s1 reconnect_attempts 6, not 3/);
    expect(() => checkRepmgrApplied(c, held({ failover: 'manual' }))).toThrow(/s1 failover manual, not automatic/);
    expect(() => checkRepmgrApplied(c, held({}, 100))).toThrow(/s2 registered priority 100, not 0/);
    expect(() => checkRepmgrApplied(c, held().slice(0, 2))).toThrow(/s2 not read/);
  });
});
