import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { haproxyConfig, PATRONI_HAPROXY_CHECKS } from './cluster.ts';
import {
  checkPatroniConfig,
  DEFAULT_PG_HBA,
  merge,
  nodeConfig,
  parseValidation,
  REDACTED,
  redactPatroniConfig,
  validationError,
  type PatroniNodeFacts,
} from './config.ts';
import { execa } from 'execa';
import { DOCKER_DIR } from '../../paths.ts';
import { managerRecipeHash, parseVersions } from '../image.ts';
import { checkPatroniMajor } from './image.ts';

const facts: PatroniNodeFacts = {
  name: 's1',
  host: 's1',
  etcdHosts: ['etcd0:2379', 'etcd1:2379', 'etcd2:2379'],
  dataDir: '/var/lib/postgresql/data',
  binDir: '/usr/lib/postgresql/15/bin',
  superuser: { username: 'postgres', password: 'su' },
  replication: { username: 'replicator', password: 'rp' },
};

function refusal(input: unknown): ConfigError {
  try {
    checkPatroniConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('the config was accepted');
}

describe('the user config merged with what pgchaos writes per node', () => {
  const user = checkPatroniConfig({
    bootstrap: {
      dcs: { ttl: 20, loop_wait: 5, retry_timeout: 5, synchronous_mode: true, postgresql: { parameters: { max_connections: 200 } } },
    },
    postgresql: { parameters: { work_mem: '8MB' }, use_pg_rewind: true },
    tags: { nosync: false },
  });
  const conf = nodeConfig(user, facts) as {
    name: string;
    scope: string;
    restapi: { listen: string; connect_address: string };
    etcd3: { hosts: string[] };
    bootstrap: { dcs: Record<string, unknown>; initdb: unknown[]; pg_hba: string[] };
    postgresql: Record<string, unknown> & { authentication: Record<string, { username: string; password: string }> };
    tags: Record<string, unknown>;
  };

  it("keeps the user's settings, and adds defaults where the user gave none", () => {
    expect(conf.bootstrap.dcs).toEqual({
      ttl: 20,
      loop_wait: 5,
      retry_timeout: 5,
      synchronous_mode: true,
      postgresql: { parameters: { max_connections: 200 } },
    });
    expect(conf.postgresql.parameters).toEqual({ work_mem: '8MB' });
    expect(conf.postgresql.use_pg_rewind).toBe(true);
    expect(conf.tags).toEqual({ nosync: false });
    expect(conf.scope).toBe('pgchaos');
    expect(conf.bootstrap.initdb).toEqual([{ encoding: 'UTF8' }, 'data-checksums']);
  });

  it('writes the per-node fields: name, addresses, data directory, DCS hosts, credentials', () => {
    expect(conf.name).toBe('s1');
    expect(conf.restapi).toEqual({ listen: '0.0.0.0:8008', connect_address: 's1:8008' });
    expect(conf.etcd3.hosts).toEqual(['etcd0:2379', 'etcd1:2379', 'etcd2:2379']);
    expect(conf.postgresql.connect_address).toBe('s1:5432');
    expect(conf.postgresql.data_dir).toBe('/var/lib/postgresql/data');
    expect(conf.postgresql.bin_dir).toBe('/usr/lib/postgresql/15/bin');
    expect(conf.postgresql.authentication.superuser).toEqual({ username: 'postgres', password: 'su' });
    expect(conf.postgresql.authentication.replication).toEqual({ username: 'replicator', password: 'rp' });
  });

  it("lets the user's lists replace the defaults, not join them", () => {
    const own = nodeConfig(checkPatroniConfig({ postgresql: { pg_hba: ['host all all samenet md5'] } }), facts) as {
      postgresql: { pg_hba: string[] };
      bootstrap: { pg_hba: string[] };
    };
    expect(own.postgresql.pg_hba).toEqual(['host all all samenet md5']);
    expect(own.bootstrap.pg_hba).toEqual(['host all all samenet md5']);
  });

  it('gives Patroni 3.0.2 the bootstrap sections its validator requires when the user gives none', () => {
    const bare = nodeConfig(checkPatroniConfig(undefined), facts) as { bootstrap: Record<string, unknown> };
    expect(bare.bootstrap.dcs).toEqual({});
    expect(bare.bootstrap.initdb).toEqual([{ encoding: 'UTF8' }, 'data-checksums']);
    expect(bare.bootstrap.pg_hba).toEqual(DEFAULT_PG_HBA);
  });

  it('merges objects key by key and replaces everything else', () => {
    expect(merge({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, e: 2 })).toEqual({ a: { b: 1, c: [2] }, d: 1, e: 2 });
    expect(merge({ a: { b: 1 } }, { a: 'x' })).toEqual({ a: 'x' });
  });
});

describe('a bad user config is refused, naming the field and the fix', () => {
  it('a setting of the wrong type', () => {
    const e = refusal({ bootstrap: { dcs: { ttl: '30s' } } });
    expect(e.problem).toMatch(/bootstrap\.dcs\.ttl: expected whole seconds/);
    expect(e.fix).toMatch(/correct bootstrap\.dcs\.ttl/);
    expect(refusal({ bootstrap: { dcs: { synchronous_mode: 'on' } } }).problem).toMatch(
      /bootstrap\.dcs\.synchronous_mode: expected true or false/,
    );
    expect(refusal({ bootstrap: { dcs: { maximum_lag_on_failover: 1.5 } } }).problem).toMatch(
      /maximum_lag_on_failover: expected whole bytes/,
    );
  });

  it('a field pgchaos writes per node', () => {
    const e = refusal({ postgresql: { data_dir: '/data' } });
    expect(e.problem).toMatch(/sets postgresql\.data_dir, which pgchaos writes per node/);
    expect(e.fix).toBe('remove postgresql.data_dir from your patroni config');
    expect(refusal({ etcd: { hosts: 'x:2379' } }).problem).toMatch(/sets etcd, .*the run's own etcd/);
    expect(refusal({ name: 'node1' }).problem).toMatch(/sets name/);
  });

  it("Patroni's timing rule loop_wait + 2 * retry_timeout <= ttl", () => {
    const e = refusal({ bootstrap: { dcs: { ttl: 20, loop_wait: 10, retry_timeout: 10 } } });
    expect(e.problem).toMatch(/10 \+ 2 × 10 > 20/);
    expect(e.fix).toMatch(/at least 30/);
    // Defaults fill in what is not given: ttl 15 with loop_wait 10 and retry_timeout 10.
    expect(refusal({ bootstrap: { dcs: { ttl: 15 } } }).problem).toMatch(/10 \+ 2 × 10 > 15/);
    expect(() => checkPatroniConfig({ bootstrap: { dcs: { ttl: 30 } } })).not.toThrow();
    expect(() => checkPatroniConfig({ bootstrap: { dcs: { ttl: 12, loop_wait: 2, retry_timeout: 5 } } })).not.toThrow();
  });

  it('synchronous_mode_strict without synchronous_mode', () => {
    expect(refusal({ bootstrap: { dcs: { synchronous_mode_strict: true } } }).fix).toMatch(/synchronous_mode: true/);
  });

  it('accepts no config at all (Patroni defaults)', () => {
    expect(checkPatroniConfig(undefined)).toEqual({});
  });
});

describe("Patroni's --validate-config output", () => {
  const out = "watchdog.mode sometimes didn't pass validation: Wrong value\nbootstrap.dcs.ttl abc is not and integer\n";

  it('is read into paths and complaints', () => {
    expect(parseValidation(out)).toEqual([
      { path: 'watchdog.mode', complaint: "sometimes didn't pass validation: Wrong value" },
      { path: 'bootstrap.dcs.ttl', complaint: 'abc is not and integer' },
    ]);
  });

  it("names the user's field when the user set it", () => {
    const e = validationError(parseValidation(out), { watchdog: { mode: 'sometimes' } }, 'patroni 3.0.2-1');
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problem).toMatch(/Patroni patroni 3\.0\.2-1 refuses your patroni config .*watchdog\.mode: sometimes/);
    expect((e as ConfigError).fix).toBe('correct watchdog.mode in your patroni config');
  });

  it("is pgchaos's own defect when only the fields pgchaos writes are refused", () => {
    const e = validationError([{ path: 'postgresql.bin_dir', complaint: "'/x' does not contain 'pg_ctl'" }], {}, 'patroni 3.0.2-1');
    expect(e).not.toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/refused fields pgchaos wrote, not the user: postgresql\.bin_dir/);
    // A section pgchaos left out is its own defect too, not the user's.
    expect(validationError([{ path: 'bootstrap.dcs', complaint: ' is not defined.' }], {}, 'patroni 3.0.2-1')).not.toBeInstanceOf(
      ConfigError,
    );
  });
});

describe('which Debian suites can run Patroni here', () => {
  it('refuses PostgreSQL 13 (bullseye), naming what it ships and what runs', () => {
    let e: unknown;
    try {
      checkPatroniMajor(13);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problem).toMatch(/Debian bullseye \(PostgreSQL 13\) ships patroni 2\.0\.2, etcd-server 3\.3\.25/);
    expect((e as ConfigError).fix).toMatch(/pick PostgreSQL 15 \(bookworm: patroni 3\.0\.2, etcd-server 3\.4\.23/);
    expect(() => checkPatroniMajor(16)).toThrow(/no Debian suite ships PostgreSQL 16 with Patroni/);
  });

  it('runs 15', () => {
    expect(checkPatroniMajor('15')).toBe(15);
  });

  it('computes the recipe hash build-manager-image.sh labels the image with', async () => {
    const sh = await execa('bash', ['-c', 'cat build-manager-image.sh Dockerfile.patroni.in | sha256sum | cut -c1-12'], {
      cwd: DOCKER_DIR,
    });
    expect(managerRecipeHash('patroni')).toBe(sh.stdout.trim());
  });

  it('reads the versions label of the image', () => {
    expect(parseVersions('etcd-server=3.4.23-4+b4 haproxy=2.6.12-1+deb12u3 patroni=3.0.2-1')).toEqual({
      'etcd-server': '3.4.23-4+b4',
      haproxy: '2.6.12-1+deb12u3',
      patroni: '3.0.2-1',
    });
  });
});

describe("HAProxy's configuration", () => {
  it("checks each node's REST /primary, with Patroni's haproxy.cfg timings", () => {
    const cfg = haproxyConfig(
      [
        { name: 'pg0', host: 'c-pg0' },
        { name: 's1', host: 'c-s1' },
      ],
      PATRONI_HAPROXY_CHECKS,
    );
    expect(cfg).toContain('option httpchk GET /primary');
    expect(cfg).toContain('default-server inter 3000ms fall 3 rise 2 on-marked-down shutdown-sessions');
    expect(cfg).toContain('server pg0 c-pg0:5432 maxconn 100 check port 8008');
    expect(cfg).toContain('server s1 c-s1:5432 maxconn 100 check port 8008');
  });

  it('finds each node by name through Docker’s DNS every second, so a host booted with another address is still found', () => {
    const cfg = haproxyConfig([{ name: 'pg0', host: 'c-pg0' }], PATRONI_HAPROXY_CHECKS);
    expect(cfg).toMatch(/^resolvers docker\n {4}nameserver dns 127\.0\.0\.11:53$/m);
    expect(cfg).toContain('    hold valid 1s');
    expect(cfg).toMatch(/server pg0 c-pg0:5432 .* resolvers docker init-addr last,libc,none$/m);
  });
});

describe('redactPatroniConfig: no secret of the user config leaves the nodes', () => {
  it('replaces every value of a secret-named key, conninfo and URL passwords, and leaves the rest and the input alone', () => {
    const user = {
      bootstrap: {
        dcs: { ttl: 30, synchronous_mode: true },
        users: { app: { password: 'pw-users', options: ['login'] } },
      },
      postgresql: { parameters: { primary_conninfo: "host=x password='pw conn' user=r", note: 'postgres://u:pw-url@h/db' } },
      ctl: { keyfile_password: 'pw-key', Token: 'pw-token' },
      tags: { nofailover: false },
    };
    const before = JSON.stringify(user);
    const shown = redactPatroniConfig(user);
    const text = JSON.stringify(shown);
    for (const secret of ['pw-users', 'pw conn', 'pw-url', 'pw-key', 'pw-token']) expect(text, secret).not.toContain(secret);
    expect(shown).toEqual({
      bootstrap: { dcs: { ttl: 30, synchronous_mode: true }, users: { app: { password: REDACTED, options: ['login'] } } },
      postgresql: { parameters: { primary_conninfo: `host=x password=${REDACTED} user=r`, note: `postgres://u:${REDACTED}@h/db` } },
      ctl: { keyfile_password: REDACTED, Token: REDACTED },
      tags: { nofailover: false },
    });
    expect(JSON.stringify(user)).toBe(before);
  });
});
