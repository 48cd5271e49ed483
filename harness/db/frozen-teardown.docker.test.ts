/**
 * Frozen hosts are removed too. On this engine (cgroup v1 freezer) a paused container cannot be
 * killed: `docker rm -f` waited until something thawed it, and a Ctrl-C during a freeze-host
 * fault left the frozen primary behind. Both ways out are shown: a cluster's own teardown, and
 * the run's sweep by label (what Ctrl-C and crashed runs rely on).
 */
import { expect, it } from 'vitest';
import { docker, listObjects, removeObjects, RUN_LABEL } from '../docker.ts';
import { Cluster } from './cluster.ts';

async function left(name: string): Promise<string[]> {
  return (await (await docker()).listContainers({ all: true, filters: { name: [name] } })).map((c) => `${c.Names[0]} ${c.State}`);
}

it('Cluster.destroy removes a cluster whose standby is frozen', async () => {
  const cluster = await Cluster.start({ standbys: ['s1'] });
  await cluster.node('s1').host.freeze();
  expect(await left(cluster.network.name)).toContainEqual(expect.stringMatching(/-s1 paused$/));
  await cluster.destroy();
  expect(await left(cluster.network.name)).toEqual([]);
}, 120_000);

it("the run's sweep removes a frozen primary", async () => {
  const cluster = await Cluster.start({ standbys: ['s1'] });
  await cluster.primary.host.freeze();
  // What sweepRun does, kept to this cluster's objects: other files of the run may still be running.
  const objects = (await listObjects([`${RUN_LABEL}=${cluster.runId}`])).filter((o) => o.name.startsWith(cluster.network.name));
  expect(objects.some((o) => o.paused)).toBe(true);
  await removeObjects(objects);
  expect(await left(cluster.network.name)).toEqual([]);
  await cluster.destroy(); // the network, and nothing else
}, 120_000);
