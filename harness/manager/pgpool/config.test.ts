import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { pgpoolConf } from './cluster.ts';
import { checkPgpoolApplied, checkPgpoolConfig, PGPOOL_DEFAULTS, parsePgpoolConf } from './config.ts';

const backends = ['pg0', 's1', 's2'].map((n) => ({ name: n, host: `pgchaos-x-${n}` }));

describe('pgpool config', () => {
  it("fills in pgchaos's defaults: health checks every second, auto_failback off, pgchaos's scripts", () => {
    const c = checkPgpoolConfig(undefined);
    expect(c.pool).toEqual(PGPOOL_DEFAULTS);
    expect(c).toMatchObject({ failoverCommand: true, followPrimaryCommand: true, postgresql: {} });
  });

  it('reads a pgpool.conf fragment as pgpool does: quotes, comments, on/off', () => {
    const text = "# mine\nhealth_check_period = 5   # seconds\nauto_failback = on\nfollow_primary_command = ''\n";
    expect(parsePgpoolConf(text)).toEqual({ health_check_period: 5, auto_failback: true, follow_primary_command: '' });
    const c = checkPgpoolConfig(text);
    expect(c.pool).toMatchObject({ health_check_period: 5, auto_failback: true, sr_check_period: 1 });
    expect(c.followPrimaryCommand).toBe(false);
    expect(c.failoverCommand).toBe(true);
  });

  it('refuses what pgchaos writes, unknown keys, bad numbers and booleans, and a script of the user', () => {
    expect(() => checkPgpoolConfig({ backend_hostname0: 'x' })).toThrow(/"backend_hostname0" is written by pgchaos/);
    expect(() => checkPgpoolConfig({ port: 5433 })).toThrow(/"port" is written by pgchaos/);
    expect(() => checkPgpoolConfig({ memqcache: true })).toThrow(/"memqcache" is not one pgchaos passes on/);
    expect(() => checkPgpoolConfig({ health_check_timeout: 0 })).toThrow(/health_check_timeout 0 is not a whole number ≥ 1/);
    expect(() => checkPgpoolConfig('health_check_period = soon')).toThrow(/health_check_period soon is not a whole number ≥ 0/);
    expect(() => checkPgpoolConfig({ auto_failback: 'maybe' })).toThrow(/auto_failback maybe is not a boolean/);
    expect(() => checkPgpoolConfig({ failover_command: '/etc/pgpool2/failover.sh %d' })).toThrow(ConfigError);
    expect(() => checkPgpoolConfig('no equals here')).toThrow(/line 1 "no equals here" is not key = value/);
    expect(checkPgpoolConfig({ health_check_period: 0 }).pool.health_check_period).toBe(0);
  });

  it('writes pgpool.conf: streaming replication mode, one ALLOW_TO_FAILOVER backend per node, the scripts with their arguments', () => {
    const conf = pgpoolConf(checkPgpoolConfig({ health_check_period: 3 }), backends);
    expect(conf).toMatch(/^backend_clustering_mode = 'streaming_replication'$/m);
    expect(conf).toMatch(/^backend_hostname2 = 'pgchaos-x-s2'$/m);
    expect(conf).toMatch(/^backend_flag1 = 'ALLOW_TO_FAILOVER'$/m);
    expect(conf).toMatch(/^backend_application_name1 = 's1'$/m);
    expect(conf).toMatch(/^failover_command = '\/etc\/pgchaos-pgpool\/failover\.sh %d %h %p %D %m %H %M %P %r %R %N %S'$/m);
    expect(conf).toMatch(/^follow_primary_command = '\/etc\/pgchaos-pgpool\/follow_primary\.sh %d %h %p %D %m %H %M %P %r %R'$/m);
    expect(conf).toMatch(/^health_check_period = 3$/m);
    expect(conf).toMatch(/^auto_failback = off$/m);
    expect(conf).toMatch(/^load_balance_mode = off$/m);
    expect(conf).toMatch(/^recovery_1st_stage_command = 'recovery_1st_stage'$/m);
    expect(pgpoolConf(checkPgpoolConfig({ failover_command: '' }), backends)).toMatch(/^failover_command = ''$/m);
  });
});

describe('checkPgpoolApplied: what the running pgpool holds against the config', () => {
  const c = checkPgpoolConfig({ detach_false_primary: true, health_check_period: 5 });
  const shown = (over: Record<string, string> = {}) => ({
    pool: {
      ...Object.fromEntries(Object.entries(c.pool).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v)])),
      ...over,
    },
    nodes: ['pg0', 's1', 's2'].map((name) => ({ name, postgresql: {} })),
  });

  it('passes when pgpool shows every setting as the config resolved it, times plain or in a unit', () => {
    const a = shown();
    expect(checkPgpoolApplied(c, a, ['pg0', 's1', 's2'])).toBe(a);
    // As pgpool 4.3.5 printed them (run of 2026-12-07): sr_check_period 1s, search_primary_node_timeout 5min.
    const units = shown({ sr_check_period: '1s', search_primary_node_timeout: '5min', connect_timeout: '2s' });
    expect(checkPgpoolApplied(c, units, ['pg0', 's1', 's2'])).toBe(units);
    expect(() => checkPgpoolApplied(c, shown({ search_primary_node_timeout: '5s' }), ['pg0', 's1', 's2'])).toThrow(
      /search_primary_node_timeout 5s, not 300/,
    );
  });
  it('fails naming each setting pgpool took otherwise, or did not show, and a node not read', () => {
    expect(() => checkPgpoolApplied(c, shown({ detach_false_primary: 'off' }), ['pg0', 's1', 's2'])).toThrow(
      /pgpool runs settings other than the config's: detach_false_primary off, not on/,
    );
    const { health_check_period: _, ...rest } = shown().pool;
    expect(() => checkPgpoolApplied(c, { ...shown(), pool: rest }, ['pg0', 's1', 's2'])).toThrow(/health_check_period not shown, not 5/);
    expect(() => checkPgpoolApplied(c, shown(), ['pg0', 's1', 's2', 's3'])).toThrow(/s3 not read/);
  });
});
