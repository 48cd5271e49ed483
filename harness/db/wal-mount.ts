/**
 * A size-limited filesystem for a node's pg_wal, so that the `wal-full` fault can fill it (a
 * ballast file) and free it again, as when pg_wal's disk runs full in production.
 *
 * The filesystem is a tmpfs of a fixed size (a local volume with `type=tmpfs`): it needs no
 * privilege, no loop device and no quota support on the engine's host. Two costs, which is why
 * it is opt-in (`ClusterOptions.walMountMb`): pg_wal lives in the engine's memory (up to the
 * mount's size per node), and a tmpfs dies with its last user. A *keeper* container holds the
 * volume for the node's whole life, so the node's host can crash and boot again (the host
 * faults) without losing its WAL, as a disk would keep it.
 *
 * Inside the host the mount is `WAL_MOUNT`; `PgNode.start()` moves pg_wal there (a symlink, as
 * `initdb --waldir` makes) whenever initdb, pg_basebackup or a template left it in PGDATA.
 * pg_rewind handles a symlinked pg_wal (PostgreSQL's src/bin/pg_rewind/t/004_pg_xlog_symlink.pl).
 */
import { docker, runLabels, WAL_KEEPER_LABEL } from '../docker.ts';
import { pollUntil } from '../wait.ts';
import type { PgImage } from './image.ts';

/** Deadline of the keeper's `rm`, s. */
const DELETE_TIMEOUT_S = 20;

/** Where the WAL filesystem is mounted inside a host; pg_wal is `WAL_MOUNT/pg_wal`. */
export const WAL_MOUNT = '/pgwal';

/** A keeper: the container holding a node's WAL volume, and the volume's name for the host's mount. */
export interface WalKeeper {
  /** Engine name of the volume (anonymous: removed with the keeper). */
  volume: string;
  /**
   * Deletes `paths` (inside WAL_MOUNT) from the keeper's side: works while the node's host is
   * down, so a ballast is freed even when the operator powered the host off meanwhile.
   * @throws Error when rm fails.
   */
  deleteFiles(paths: string[]): Promise<void>;
  /** Removes the keeper and its volume; call after the host using the volume is gone. */
  remove(): Promise<void>;
}

/**
 * Creates and starts the keeper of node `node`'s WAL filesystem: a tmpfs of `sizeMb` MB in an
 * anonymous volume of a container that only sleeps.
 * @throws the engine's error when it cannot create or start the keeper.
 */
export async function createWalKeeper(o: {
  node: string;
  containerName: string;
  image: PgImage;
  runId: string;
  sizeMb: number;
}): Promise<WalKeeper> {
  const d = await docker();
  const keeper = await d.createContainer({
    name: `${o.containerName}-wal`,
    Image: o.image.name,
    // It only holds the volume; the host sets the owner (PgHost.create), as it knows its postgres user.
    Entrypoint: ['sleep', 'infinity'],
    Labels: { ...runLabels(o.runId), [WAL_KEEPER_LABEL]: o.node },
    HostConfig: {
      NetworkMode: 'none',
      Mounts: [
        {
          Type: 'volume',
          Source: '',
          Target: WAL_MOUNT,
          VolumeOptions: {
            NoCopy: true,
            Labels: runLabels(o.runId),
            DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: `size=${o.sizeMb}m` } },
          },
        },
      ],
    },
  });
  await keeper.start();
  const volume = (await keeper.inspect()).Mounts.find((m) => m.Destination === WAL_MOUNT)?.Name;
  if (!volume) {
    await keeper.remove({ force: true, v: true }).catch(() => {});
    throw new Error(`${o.node}: the WAL keeper has no volume at ${WAL_MOUNT}`);
  }
  return {
    volume,
    async deleteFiles(paths) {
      const what = `${o.node}: rm ${paths.join(' ')} in the WAL keeper`;
      const exec = await keeper.exec({
        Cmd: ['timeout', String(DELETE_TIMEOUT_S), 'rm', '-f', ...paths],
        User: 'root',
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = await exec.start({ hijack: true, stdin: false });
      stream.on('error', () => {}).resume();
      // The exit code, not the stream's end, says it is done (a stream may end before the engine records the code).
      const code = await pollUntil(
        async () => {
          const r = await exec.inspect();
          return r.Running || r.ExitCode === null ? { done: false, seen: 'rm still running' } : { done: true, value: r.ExitCode };
        },
        { what, timeoutMs: (DELETE_TIMEOUT_S + 5) * 1000, intervalMs: 50 },
      );
      if (code !== 0) throw new Error(`${what} exited ${code}`);
    },
    remove: () => keeper.remove({ force: true, v: true }),
  };
}
