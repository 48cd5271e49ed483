import { describe, expect, it } from 'vitest';
import type { Member } from './managed-network.ts';
import { ManagedNodes, PG_PORT, parseWalSenders } from './managed-nodes.ts';

/** A node whose psql answers `out` for every statement, its PostgreSQL published at `port`; records what ran. */
function stubMember(name: string, out: string, port: number, ran: string[][]): Member {
  return {
    name,
    exec: async (cmd: string[]) => (ran.push(cmd), `${out}\n`),
    mappedPort: (p: number) => (p === PG_PORT ? port : 0),
  } as unknown as Member;
}

class Nodes extends ManagedNodes {
  protected readonly nodeWord = 'test node';
  constructor(readonly nodes: Member[]) {
    super();
  }
}

describe('ManagedNodes', () => {
  it('names its nodes, finds one by name and says which there are when there is none', () => {
    const ran: string[][] = [];
    const c = new Nodes([stubMember('pg0', '', 40000, ran), stubMember('s1', '', 40001, ran)]);
    expect(c.nodeNames).toEqual(['pg0', 's1']);
    expect(c.node('s1').name).toBe('s1');
    expect(c.nodeHost('pg0').name).toBe('pg0');
    expect(() => c.node('s9')).toThrow('no test node "s9" (nodes: pg0, s1)');
  });

  it('runs psql through the local socket, trimmed, and reads walsenders and positions off its rows', async () => {
    const ran: string[][] = [];
    const senders = new Nodes([stubMember('pg0', 's1|streaming|sync\ns2|catchup|async', 40000, ran)]);
    expect(await senders.walSenders('pg0')).toEqual([
      { name: 's1', state: 'streaming', syncState: 'sync' },
      { name: 's2', state: 'catchup', syncState: 'async' },
    ]);
    expect(ran[0]).toEqual([
      'psql',
      '-X',
      '-qAt',
      '-d',
      'postgres',
      '-c',
      'SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY application_name',
    ]);
    expect(await new Nodes([stubMember('s1', '0/3000100|0/3000000', 1, ran)]).position('s1')).toEqual({
      name: 's1',
      receiveLsn: '0/3000100',
      replayLsn: '0/3000000',
    });
    // A node out of recovery answers empty LSNs: null.
    expect(await new Nodes([stubMember('pg0', '|', 1, ran)]).position('pg0')).toEqual({ name: 'pg0', receiveLsn: null, replayLsn: null });
  });

  it('connects directly through the node published port as postgres', () => {
    const c = new Nodes([stubMember('pg0', '', 40000, [])]);
    expect(c.nodeConnectionConfig('pg0')).toMatchObject({ host: 'localhost', port: 40000, user: 'postgres', database: 'postgres' });
  });
});

describe('parseWalSenders', () => {
  it("reads psql -At's rows of pg_stat_replication, none for an empty answer", () => {
    expect(parseWalSenders('s1|streaming|quorum\ns2|catchup|potential')).toEqual([
      { name: 's1', state: 'streaming', syncState: 'quorum' },
      { name: 's2', state: 'catchup', syncState: 'potential' },
    ]);
    expect(parseWalSenders('')).toEqual([]);
  });
});
