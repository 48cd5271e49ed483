/**
 * No secret in any log, report or error message: the superuser's and the replication user's
 * passwords are generated per cluster; after a cluster's life — including commands that fail
 * while carrying a password — neither appears in an error, the server logs or the harness log.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { currentRun } from '../run-id.ts';
import { Cluster } from './cluster.ts';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

it('keeps both passwords out of errors, server logs and the harness log', async () => {
  // A user's fragment that logs every statement and every duration: still no secret.
  const cluster = await Cluster.start({ settings: { log_statement: 'all', log_min_duration_statement: 0 } });
  const secrets = [cluster.replication.password, cluster.primary.connection().password];
  const errors: string[] = [];
  try {
    const s1 = cluster.node('s1');
    // Commands that carry a password and fail: the role exists already; a conninfo with the
    // password next to a parameter the server does not know.
    errors.push(
      await cluster.primary.createReplicationUser(cluster.replication).then(
        () => 'no error',
        (e: Error) => e.message,
      ),
    );
    errors.push(
      await s1.alterSystem({ primary_conninfo: s1.conninfoFor(cluster.primary, cluster.replication), no_such_parameter: 'x' }).then(
        () => 'no error',
        (e: Error) => e.message,
      ),
    );
    // A move that sends the password to a running standby (ALTER SYSTEM primary_conninfo).
    await cluster.repoint(s1);
    await cluster.waitForStreaming();
  } finally {
    await cluster.destroy();
  }
  expect(errors[0]).toMatch(/already exists/);
  expect(errors[1]).toMatch(/no_such_parameter/);
  const run = currentRun();
  const files = [...(await filesUnder(join(run.dir, 'logs', cluster.network.name))), join(run.dir, 'pgchaos.log')];
  expect(files.length).toBeGreaterThanOrEqual(3);
  const texts = [...errors, ...(await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => ''))))];
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(10);
    expect(texts.filter((t) => t.includes(secret))).toEqual([]);
  }
  // The logs are not empty: the failures above are there, only without their statements.
  expect(texts.join('\n')).toMatch(/role "replicator" already exists/);
}, 180_000);
