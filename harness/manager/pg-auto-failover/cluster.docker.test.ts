/**
 * pg_auto_failover's formation on PostgreSQL 15 (bookworm: pg_auto_failover 2.0) with non-default
 * settings: number_sync_standbys 0, s2 outside the replication quorum and never a candidate.
 *  1. the monitor holds pg0 primary and s1, s2 secondary, with the settings the user gave, as
 *     read back from its tables (`appliedSettings`, checked at start);
 *  2. the synchronous_standby_names pg_autoctl writes lists s1 alone (node_active_protocol.c
 *     `synchronous_standby_names`: ANY 1 over the quorum standbys, also for number_sync_standbys 0);
 *  3. destroy() leaves no container or network of the run; a start that fails does the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, RUN_LABEL } from '../../docker.ts';
import { WaitTimeoutError } from '../../errors.ts';
import { currentRun } from '../../run-id.ts';
import { PgAutoFailoverCluster } from './cluster.ts';
import { primaryOf } from './view.ts';

async function leftovers(): Promise<{ containers: number; networks: number }> {
  const d = await docker();
  const filters = { label: [`${RUN_LABEL}=${currentRun().id}`] };
  return { containers: (await d.listContainers({ all: true, filters })).length, networks: (await d.listNetworks({ filters })).length };
}

describe('pg_auto_failover formation (PostgreSQL 15, pg_auto_failover 2.0)', () => {
  let cluster: PgAutoFailoverCluster;
  beforeAll(async () => {
    cluster = await PgAutoFailoverCluster.start({
      config: { number_sync_standbys: 0, nodes: { s2: { candidatePriority: 0, replicationQuorum: false } } },
    });
  }, 240_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('brings up pg0 primary and two secondaries with the settings given', async () => {
    const v = await cluster.view();
    expect(primaryOf(v)).toBe('pg0');
    // s1 and s2 register at once: their node ids (the view's order) may come either way.
    const rows = v.nodes
      .map((n) => [n.name, n.reported, n.candidatePriority, n.replicationQuorum])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(rows).toEqual([
      ['pg0', 'primary', 50, true],
      ['s1', 'secondary', 50, true],
      ['s2', 'secondary', 0, false],
    ]);
    expect(await cluster.numberSyncStandbys()).toBe(0);
    // Read back from the monitor's tables at start (the start fails when they differ), and again now.
    const applied = {
      numberSyncStandbys: 0,
      nodes: [
        { name: 'pg0', candidatePriority: 50, replicationQuorum: true },
        { name: 's1', candidatePriority: 50, replicationQuorum: true },
        { name: 's2', candidatePriority: 0, replicationQuorum: false },
      ],
    };
    expect(cluster.applied).toEqual(applied);
    expect(await cluster.appliedSettings()).toEqual(applied);
    expect(await cluster.viewText()).toMatch(/pg0 .*read-write .*primary/);
  });

  it('writes synchronous_standby_names over the quorum standbys only', async () => {
    const s1 = (await cluster.view()).nodes.find((n) => n.name === 's1')!;
    expect(await cluster.syncStandbyNames('pg0')).toBe(`ANY 1 (pgautofailover_standby_${s1.nodeId})`);
  });

  it('prints the multi-host URI applications use', async () => {
    const uri = await cluster.formationUri();
    expect(uri).toMatch(/^postgres:\/\/.+-pg0:5432,.+\/postgres\?target_session_attrs=read-write/);
  });

  it('destroy() removes every container and the network', async () => {
    await cluster.destroy();
    expect(await leftovers()).toEqual({ containers: 0, networks: 0 });
  });

  it('a start that times out removes what it made', async () => {
    await expect(PgAutoFailoverCluster.start({ readyTimeoutMs: 1000 })).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(await leftovers()).toEqual({ containers: 0, networks: 0 });
  }, 120_000);
});
