import { describe, expect, it } from 'vitest';
import type { Cluster } from '../db/cluster.ts';
import { parseSyncStandbyNames } from '../model/sync-standby-names.ts';
import { clusterRecord } from './scenario.ts';

/** A cluster's parts clusterRecord reads: its primary, standbys and settings. */
const cluster = (primary: string, standbys: string[], sync: string) =>
  ({
    primary: { name: primary },
    standbys: standbys.map((name) => ({ name })),
    sync: parseSyncStandbyNames(sync),
    synchronousCommit: 'on',
  }) as unknown as Pick<Cluster, 'primary' | 'standbys' | 'sync' | 'synchronousCommit'>;

const atStart = { standbys: ['s1', 's2'], synchronous_standby_names: 'ANY 1 (s1, s2)', synchronous_commit: 'on' };

describe('clusterRecord', () => {
  it('keeps the settings the story started with, and says what a failover changed', () => {
    const r = clusterRecord(atStart, cluster('s1', ['primary', 's2'], 'ANY 1 (primary, s2)'));
    expect(r).toEqual({ ...atStart, atEnd: 'primary s1; standbys primary, s2; synchronous_standby_names ANY 1 (primary, s2)' });
  });
  it('adds nothing when the cluster ended as it started', () => {
    expect(clusterRecord(atStart, cluster('primary', ['s1', 's2'], 'ANY 1 (s1, s2)'))).toEqual(atStart);
  });
});
