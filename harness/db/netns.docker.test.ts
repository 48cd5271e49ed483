/**
 * A cluster on an image laid out like the official postgres:NN (binaries in
 * /usr/lib/postgresql/NN/bin, a docker-entrypoint.sh, no iptables, no tini, no ip/tc) is cut
 * off and healed: iptables runs from a helper container in the node's network namespace. The
 * image is derived locally from pgchaos/postgres:15 (no registry) and removed afterwards.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { docker, RUN_LABEL } from '../docker.ts';
import { currentRun } from '../run-id.ts';
import { Cluster } from './cluster.ts';
import { probeImage } from './image.ts';
import { helperImage, NETNS_LABEL } from './netns.ts';
import type { PgNode } from './pg-node.ts';

const OFFICIAL_LIKE = 'pgchaos-test/postgres-official:15';
const DOCKERFILE = `FROM pgchaos/postgres:15
RUN rm -f /usr/sbin/*tables* /usr/bin/tini /usr/bin/ip /usr/sbin/tc /sbin/ip /sbin/tc \\
 && printf '%s\\n' '#!/bin/sh' 'set -e' 'exec "$@"' > /usr/local/bin/docker-entrypoint.sh \\
 && chmod 755 /usr/local/bin/docker-entrypoint.sh \\
 && ! command -v iptables && ! command -v tini
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
`;

let cluster: Cluster;

beforeAll(async () => {
  const b = await execa('docker', ['build', '-q', '-t', OFFICIAL_LIKE, '-'], {
    input: DOCKERFILE,
    env: { DOCKER_BUILDKIT: '0' },
    reject: false,
  });
  expect(b.exitCode, b.stderr).toBe(0);
  cluster = await Cluster.start({ image: OFFICIAL_LIKE });
}, 180_000);

afterAll(async () => {
  await cluster?.destroy();
  await execa('docker', ['rmi', OFFICIAL_LIKE], { reject: false });
});

/** Whether `from` reaches `to`'s PostgreSQL port over the cluster network (pg_isready, 2 s). */
async function reaches(from: PgNode, to: PgNode): Promise<boolean> {
  return from.host.exec(['pg_isready', '-h', to.hostname, '-p', '5432', '-t', '2'], { timeoutMs: 10_000 }).then(
    () => true,
    () => false,
  );
}

async function helpersLeft(): Promise<number> {
  const d = await docker();
  return (await d.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${currentRun().id}`, NETNS_LABEL] } })).length;
}

it("the image has no iptables; the helper runs pgchaos's image", async () => {
  expect(cluster.image).toMatchObject({ name: OFFICIAL_LIKE, kind: 'user', keepAlive: expect.any(Object) });
  expect((await probeImage(cluster.image)).iptables).toBe(false);
  expect(await helperImage(cluster.image)).toMatch(/^pgchaos\/postgres:\d+$/);
});

it('disconnect cuts the primary off from its standbys but not from the harness; reconnect heals', async () => {
  const { primary } = cluster;
  const s1 = cluster.node('s1');
  expect(await reaches(s1, primary)).toBe(true);

  let t = Date.now();
  await primary.host.disconnect();
  const cutMs = Date.now() - t;
  expect(await reaches(s1, primary)).toBe(false);
  expect(await reaches(primary, s1)).toBe(false);
  expect(await primary.safePsql('SELECT 1')).toBe('1'); // the harness still reaches it (through the gateway)
  expect(await helpersLeft()).toBe(0);

  t = Date.now();
  await primary.host.reconnect();
  const healMs = Date.now() - t;
  expect(await reaches(s1, primary)).toBe(true);
  await cluster.waitForStreaming({ timeoutMs: 30_000 });
  await primary.safePsql('CREATE TABLE after_partition AS SELECT 1 AS x');
  await primary.waitForCatchup('s1');
  expect(await s1.safePsql('SELECT x FROM after_partition')).toBe('1');
  expect(await helpersLeft()).toBe(0);
  console.info(`partition from a helper container: disconnect ${cutMs} ms, reconnect ${healMs} ms`);
  expect(cutMs + healMs).toBeLessThan(5_000);
});

it('a host booted again after a cut comes back connected, and reconnect is then a no-op', async () => {
  const s2 = cluster.node('s2');
  await s2.host.disconnect();
  expect(await reaches(s2, cluster.primary)).toBe(false);
  await s2.host.crash();
  await s2.start(); // boots the host: a new network namespace, without the rules
  expect(await reaches(s2, cluster.primary)).toBe(true);
  await s2.host.reconnect();
  await cluster.waitForStreaming({ timeoutMs: 30_000 });
});
