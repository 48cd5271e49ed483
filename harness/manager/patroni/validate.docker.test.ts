/**
 * A bad Patroni config fails with a ConfigError naming the field and the fix before any
 * cluster container starts: pgchaos's own checks, Patroni's `--validate-config` (run in a
 * throwaway container that is gone when it ends), and a major whose Debian suite lacks Patroni 3.
 * A start that fails after its containers started removes every one of them and the network.
 */
import { describe, expect, it } from 'vitest';
import { docker, RUN_LABEL } from '../../docker.ts';
import { ConfigError, WaitTimeoutError } from '../../errors.ts';
import { currentRun } from '../../run-id.ts';
import { PatroniCluster, type PatroniClusterOptions } from './cluster.ts';

async function objectsOfRun(): Promise<{ containers: number; networks: number }> {
  const d = await docker();
  const filters = { label: [`${RUN_LABEL}=${currentRun().id}`] };
  return { containers: (await d.listContainers({ all: true, filters })).length, networks: (await d.listNetworks({ filters })).length };
}

async function refusedBeforeAnyContainer(opts: PatroniClusterOptions): Promise<ConfigError> {
  const before = await objectsOfRun();
  const err = await PatroniCluster.start(opts).then(
    (c) => c.destroy().then(() => new Error('the cluster started')),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect(await objectsOfRun()).toEqual(before);
  return err as ConfigError;
}

describe('a bad Patroni config is refused before any cluster container starts', () => {
  it("by Patroni's own --validate-config, naming the user's field", async () => {
    // pgchaos types neither watchdog nor tags: Patroni 3.0.2's validator judges them.
    const e = await refusedBeforeAnyContainer({ config: { watchdog: { mode: 'sometimes' }, tags: { nofailover: 'maybe' } } });
    expect(e.problem).toMatch(/Patroni patroni 3\.0\.2-1 refuses your patroni config \(--validate-config\): /);
    expect(e.problem).toMatch(/watchdog\.mode: sometimes didn't pass validation/);
    expect(e.problem).toMatch(/tags\.nofailover: maybe is not a boolean/);
    expect(e.fix).toMatch(/^correct (watchdog\.mode|tags\.nofailover) in your patroni config$/);
  });

  it("by pgchaos's checks of the fields it knows", async () => {
    const e = await refusedBeforeAnyContainer({ config: { bootstrap: { dcs: { ttl: 20, loop_wait: 10, retry_timeout: 10 } } } });
    expect(e.problem).toMatch(/loop_wait \+ 2 \* retry_timeout <= ttl/);
  });

  it('for PostgreSQL 13, whose Debian suite ships patroni 2.0.2 and etcd 3.3', async () => {
    const e = await refusedBeforeAnyContainer({ pgMajor: 13 });
    expect(e.problem).toMatch(/bullseye \(PostgreSQL 13\) ships patroni 2\.0\.2/);
  });
});

describe('a start that fails once its containers run', () => {
  it('removes every container and the network it made, and says what it awaited', async () => {
    const before = await objectsOfRun();
    const err = await PatroniCluster.start({ readyTimeoutMs: 1 }).then(
      (c) => c.destroy().then(() => new Error('the cluster was ready in 1 ms')),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.message).toMatch(/waiting for a Patroni leader and 2 streaming replicas; last seen: /);
    expect(await objectsOfRun()).toEqual(before);
  });
});
