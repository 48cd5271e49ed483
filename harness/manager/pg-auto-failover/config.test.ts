import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { checkApplied, checkPafConfig } from './config.ts';

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

describe('checkApplied: the settings the monitor holds against the config', () => {
  const config = checkPafConfig({ number_sync_standbys: 1, nodes: { s2: { candidatePriority: 10 } } }, names);
  const held = (nss: number, s2 = { candidatePriority: 10, replicationQuorum: true }) => ({
    numberSyncStandbys: nss,
    nodes: [
      { name: 'pg0', candidatePriority: 50, replicationQuorum: true },
      { name: 's1', candidatePriority: 50, replicationQuorum: true },
      { name: 's2', ...s2 },
    ],
  });

  it('returns what the monitor holds when it is what was asked', () => {
    expect(checkApplied(config, held(1))).toEqual(held(1));
    // number_sync_standbys unset: the monitor's own choice is taken as it is.
    expect(
      checkApplied(checkPafConfig(undefined, names), { ...held(0), nodes: held(0).nodes.map((n) => ({ ...n, candidatePriority: 50 })) }),
    ).toMatchObject({ numberSyncStandbys: 0 });
  });

  it('throws naming each setting that differs, as held and as asked', () => {
    expect(() => checkApplied(config, held(0, { candidatePriority: 50, replicationQuorum: false }))).toThrow(
      "the pg_auto_failover monitor holds settings other than the config's: number_sync_standbys 0, not 1; s2 candidate priority 50, not 10; s2 replication quorum false, not true",
    );
    expect(() => checkApplied(config, { ...held(1), nodes: held(1).nodes.slice(0, 2) })).toThrow(/s2 candidate priority none, not 10/);
  });
});

describe('checkPafConfig: the key number_sync_standbys is spelled with', () => {
  it("takes and names the caller's spelling (pgchaos.config.json's numberSyncStandbys)", () => {
    expect(checkPafConfig({ numberSyncStandbys: 0 }, names, 'numberSyncStandbys').numberSyncStandbys).toBe(0);
    expect(() => checkPafConfig({ number_sync_standbys: 0 }, names, 'numberSyncStandbys')).toThrow(
      /field "number_sync_standbys" is unknown/,
    );
    expect(() => checkPafConfig({ numberSyncStandbys: 2 }, names, 'numberSyncStandbys')).toThrow(/numberSyncStandbys 2 needs 3/);
  });
});
