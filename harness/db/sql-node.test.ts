import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { psqlText, TcpNode } from './sql-node.ts';

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
