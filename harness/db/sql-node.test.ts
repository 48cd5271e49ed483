import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { backendName, psqlText, TcpNode } from './sql-node.ts';

const result = (rows: unknown[][]) => ({ rows }) as unknown as pg.QueryArrayResult;

describe('psqlText: rows as psql -XAtq prints them', () => {
  it('joins fields by | and rows by newlines, NULL as the empty string', () => {
    expect(
      psqlText(
        result([
          ['1', null, 't'],
          ['2', 'x', 'f'],
        ]),
      ),
    ).toBe('1||t\n2|x|f');
  });

  it('prints the rows of every statement of a multi-statement query, a SET printing none', () => {
    expect(psqlText([result([]), result([['15']])])).toBe('15');
  });

  it('prints nothing for a result without rows', () => {
    expect(psqlText(result([]))).toBe('');
  });
});

describe('TcpNode', () => {
  it('fails with the connection error when nothing listens, not hanging', async () => {
    const node = new TcpNode('nowhere', () => ({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres' }));
    await expect(node.safePsql('SELECT 1', { timeoutMs: 2000 })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('backendName: the node behind a proxy that a connection reached', () => {
  const answering = (address: string | null) =>
    ({ query: async () => ({ rows: [{ address }] }) }) as unknown as Parameters<typeof backendName>[1];
  const nodes: Record<string, string> = { '172.20.0.5': 'pg0', '172.20.0.6': 's1' };
  const nodeAt = async (a: string) => nodes[a];

  it("names the node by the server's address on the connection", async () => {
    expect(await backendName('haproxy', answering('172.20.0.6'), nodeAt)).toBe('s1');
  });

  it('names an address no node has by the proxy and the address, so two servers never share a name', async () => {
    expect(await backendName('haproxy', answering('172.20.0.9'), nodeAt)).toBe('haproxy→172.20.0.9');
  });

  it('names a connection over a local socket (no address) as such', async () => {
    expect(await backendName('haproxy', answering(null), nodeAt)).toBe('haproxy→local');
  });

  it('fails when the server does not answer, so the connection is not used unnamed', async () => {
    const dead = { query: async () => Promise.reject(new Error('Connection terminated unexpectedly')) } as unknown as Parameters<
      typeof backendName
    >[1];
    await expect(backendName('haproxy', dead, nodeAt)).rejects.toThrow(/terminated/);
  });
});
