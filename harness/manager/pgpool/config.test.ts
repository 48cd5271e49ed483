import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { pgpoolConf } from './cluster.ts';
import { checkPgpoolConfig, parsePgpoolConf, PGPOOL_DEFAULTS } from './config.ts';

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
