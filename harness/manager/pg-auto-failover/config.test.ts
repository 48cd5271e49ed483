import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { checkPafConfig } from './config.ts';

const names = ['pg0', 's1', 's2'];

function refusal(raw: unknown): ConfigError {
  try {
    checkPafConfig(raw, names);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('pg_auto_failover config', () => {
  it('fills in pg_auto_failover defaults: priority 50, quorum true, number_sync_standbys left to the monitor', () => {
    expect(checkPafConfig(undefined, names)).toEqual({
      numberSyncStandbys: undefined,
      nodes: names.map((name) => ({ name, candidatePriority: 50, replicationQuorum: true })),
    });
  });

  it('takes per-node settings and number_sync_standbys', () => {
    const c = checkPafConfig({ number_sync_standbys: 0, nodes: { s2: { candidatePriority: 0, replicationQuorum: false } } }, names);
    expect(c.numberSyncStandbys).toBe(0);
    expect(c.nodes[2]).toEqual({ name: 's2', candidatePriority: 0, replicationQuorum: false });
  });

  it('refuses number_sync_standbys N without N+1 quorum standbys (FormationNumSyncStandbyIsValid)', () => {
    expect(checkPafConfig({ number_sync_standbys: 1 }, names).numberSyncStandbys).toBe(1);
    const e = refusal({ number_sync_standbys: 1, nodes: { s2: { replicationQuorum: false } } });
    expect(e.problem).toMatch(/number_sync_standbys 1 needs 2 standbys in the replication quorum; this cluster has 1/);
    expect(e.fix).toMatch(/lower number_sync_standbys to 0/);
    expect(refusal({ number_sync_standbys: 2 }).problem).toMatch(/needs 3 standbys/);
    expect(refusal({ number_sync_standbys: -1 }).problem).toMatch(/not a whole number/);
  });

  it('refuses fewer than two promotable nodes, priorities out of range, unknown names and fields', () => {
    expect(refusal({ nodes: { s1: { candidatePriority: 0 }, s2: { candidatePriority: 0 } } }).problem).toMatch(/at least two nodes.*has 1/);
    expect(refusal({ nodes: { s1: { candidatePriority: 101 } } }).problem).toMatch(
      /s1\.candidatePriority 101 is not a whole number in 0\.\.100/,
    );
    expect(refusal({ nodes: { s1: { replicationQuorum: 'yes' } } }).problem).toMatch(/replicationQuorum yes is not a boolean/);
    expect(refusal({ nodes: { s9: {} } }).problem).toMatch(/there is no node "s9"/);
    expect(refusal({ nodes: { s1: { priority: 1 } } }).problem).toMatch(/nodes\.s1\.priority is unknown/);
    expect(refusal({ numberSyncStandbys: 1 }).problem).toMatch(/field "numberSyncStandbys" is unknown/);
  });
});
