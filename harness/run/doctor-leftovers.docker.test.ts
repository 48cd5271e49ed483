/**
 * `pgchaos doctor` names what a hard-killed run leaves in the engine that `docker ps` and
 * `docker stats` do not make obvious: a wal-full WAL tmpfs (held in the engine's memory) with its
 * size, and a template image of a run that ended.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { PgImage } from '../db/image.ts';
import { createWalKeeper } from '../db/wal-mount.ts';
import { docker, HOST_LABEL, hostIdentity, OWNER_LABEL, RUN_LABEL } from '../docker.ts';
import { newRunId } from '../run-id.ts';

/** Containers and networks labelled with run `id`, as the engine lists them. */
async function leftovers(id: string): Promise<{ containers: string[]; networks: string[] }> {
  const d = await docker();
  const filters = { label: [`${RUN_LABEL}=${id}`] };
  return {
    containers: (await d.listContainers({ all: true, filters })).map((c) => c.Names.join(',')),
    networks: (await d.listNetworks({ filters })).map((n) => n.Name),
  };
}

describe('pgchaos doctor names what a hard-killed run leaves in the engine', () => {
  it('a wal-full WAL tmpfs with its size, and a template image of a run that ended', async () => {
    const id = newRunId();
    const keeper = await createWalKeeper({
      node: 's1',
      containerName: `pgchaos-${id}-doctor-s1`,
      image: { name: 'pgchaos/postgres:15' } as PgImage,
      runId: id,
      sizeMb: 64,
    });
    // A template of a run whose process is gone (pid 4194000 does not run here), as a library user's run leaves it.
    const template = `pgchaos/template:doctor-test-${id}`;
    try {
      await execa('docker', ['exec', `pgchaos-${id}-doctor-s1-wal`, 'dd', 'if=/dev/zero', 'of=/pgwal/ballast', 'bs=1M', 'count=8']);
      const labels = { 'pgchaos.template': 'doctor-test', [RUN_LABEL]: id, [OWNER_LABEL]: '4194000', [HOST_LABEL]: hostIdentity() };
      await execa('docker', [
        'commit',
        ...Object.entries(labels).flatMap(([k, v]) => ['-c', `LABEL ${k}=${v}`]),
        `pgchaos-${id}-doctor-s1-wal`,
        template,
      ]);
      const r = await execa('node', ['--import', 'tsx', 'bin/pgchaos.ts', 'doctor'], { reject: false });
      expect(r.stdout).toMatch(new RegExp(`run ${id}: 1 containers, 0 networks, 1 volumes — running`));
      expect(r.stdout).toMatch(
        new RegExp(`WAL tmpfs of node s1 \\(pgchaos-${id}-doctor-s1-wal\\): 8\\.0 MB used of 64 MB, held in the engine's memory`),
      );
      expect(r.stdout).toMatch(new RegExp(`template image ${template}: \\d+ MB — its run ended: its process 4194000 on this host is gone`));
    } finally {
      await keeper.remove();
      await execa('docker', ['rmi', template], { reject: false });
    }
    expect(await leftovers(id)).toEqual({ containers: [], networks: [] });
  });
});
