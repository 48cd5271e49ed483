import { describe, expect, it } from 'vitest';
import { BENCHED_MANAGERS, benchedManagers } from './managers.ts';

describe('benchedManagers', () => {
  it('benches every manager by default, pgpool among them', () => {
    expect(benchedManagers(undefined)).toEqual(['patroni', 'pg_auto_failover', 'repmgr', 'pgpool']);
    expect(benchedManagers('  ')).toEqual([...BENCHED_MANAGERS]);
  });

  it('picks the managers BENCH_MANAGERS names, in its order', () => {
    expect(benchedManagers('pgpool')).toEqual(['pgpool']);
    expect(benchedManagers('repmgr, pgpool')).toEqual(['repmgr', 'pgpool']);
  });

  it('leaves the part out for 0', () => {
    expect(benchedManagers('0')).toEqual([]);
  });

  it('refuses a name that is not a benched manager, naming the ones there are', () => {
    expect(() => benchedManagers('pgpool2')).toThrow(
      /pgpool2, not a benched manager: use some of patroni, pg_auto_failover, repmgr, pgpool/,
    );
  });
});
