import type Dockerode from 'dockerode';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { docker, runLabels } from '../docker.ts';
import { ExecError } from '../errors.ts';
import { log } from '../logger.ts';
import { hostPath, type PgImage } from './image.ts';
import { runInNetns, type NetnsTarget } from './netns.ts';
import { createWalKeeper, WAL_MOUNT, type WalKeeper } from './wal-mount.ts';

/** Folder inside every host for its server log: a bind mount of a host folder, so the log outlives the host and lands in the report. */
export const LOG_MOUNT = '/var/log/pgchaos';
/** Beyond an exec's own timeout (and `timeout -k 5`'s kill), how long the harness waits for its answer, ms. */
const EXEC_GRACE_MS = 7_000;

/** The port PostgreSQL listens on inside every host. */
export const PG_PORT = 5432;

export interface CreateHostOptions {
  /** Node name (`primary`, `s1`, ...), carried as the `pgchaos.node` label. */
  name: string;
  image: PgImage;
  /** Docker network the host joins; other hosts reach it by its container name. */
  network: string;
  runId: string;
  /** Container name, unique on the engine; also the host name on the cluster network. */
  containerName: string;
  /** Host folder (writable by the container's postgres user) mounted at LOG_MOUNT. */
  logDir: string;
  /** The cluster network's subnet (CIDR) and gateway: the harness reaches hosts from the gateway. */
  subnet: string;
  gateway: string;
  /** Size of a tmpfs for pg_wal at WAL_MOUNT, MB (wal-mount.ts); none by default. Needed by the `wal-full` fault. */
  walMountMb?: number;
}

/**
 * What the fault catalogue does to a host, whoever runs it: the built-in cluster's `PgHost`, and a
 * managed cluster's containers (a Patroni node, an etcd member, HAProxy: manager/patroni/cluster.ts
 * `Member`). Every call acts on the container alone: none starts or stops PostgreSQL.
 */
export interface FaultHost {
  /** SIGKILL of the container; `silent`: its cluster traffic dropped first (a power loss). @throws ExecError when the rules fail. */
  crash(o?: { silent?: boolean }): Promise<void>;
  /** Every process stopped (cgroup freezer, `docker pause`). */
  freeze(): Promise<void>;
  /** Ends `freeze()`; nothing to do when not frozen. */
  thaw(): Promise<void>;
  /** Traffic to and from the cluster network dropped, the gateway's (the harness's path in) excepted. @throws ExecError. */
  disconnect(): Promise<void>;
  /** Ends `disconnect()`; nothing to do when the host was booted again since. */
  reconnect(): Promise<void>;
  /** Boots the container if it is down, and nothing more. */
  ensureUp(): Promise<void>;
  /** True while the container runs. */
  running(): Promise<boolean>;
}

/**
 * One *host*: a container that stays up while PostgreSQL inside it starts and stops, so the
 * data directory survives a `pg_ctl stop`, a host crash and a restart. It runs commands, dies,
 * boots again, and can be cut off from the cluster network.
 */
export class PgHost implements FaultHost {
  private port: number;
  /** iptables rules added per tag, so a heal deletes exactly what its fault added. */
  private readonly rules = new Map<string, string[]>();

  private constructor(
    /** Name other hosts use to reach this one on the cluster network. */
    readonly hostname: string,
    private readonly name: string,
    private readonly container: StartedTestContainer,
    private readonly net: { subnet: string; gateway: string },
    private readonly image: PgImage,
    private readonly runId: string,
    /** Holds the size-limited pg_wal filesystem, when the host has one. */
    private readonly walKeeper: WalKeeper | undefined,
  ) {
    this.port = container.getMappedPort(PG_PORT);
  }

  /**
   * Starts the host (the container), without PostgreSQL. Never pulls: a missing image fails fast.
   * With `walMountMb`, its keeper first (wal-mount.ts).
   * @throws when the engine refuses to create or start the container.
   */
  static async create(o: CreateHostOptions): Promise<PgHost> {
    const keeper =
      o.walMountMb === undefined
        ? undefined
        : await createWalKeeper({ node: o.name, containerName: o.containerName, image: o.image, runId: o.runId, sizeMb: o.walMountMb });
    try {
      const started = await PgHost.startContainer(o, keeper);
      const host = new PgHost(o.containerName, o.name, started, { subnet: o.subnet, gateway: o.gateway }, o.image, o.runId, keeper);
      if (keeper) await host.exec(['sh', '-ec', `chown postgres:postgres ${WAL_MOUNT} && chmod 0700 ${WAL_MOUNT}`], { user: 'root' });
      return host;
    } catch (e) {
      if (keeper) {
        // The host first (testcontainers may leave one half-made): the engine keeps a volume a container still mounts.
        await (await docker())
          .getContainer(o.containerName)
          .remove({ force: true, v: true })
          .catch(() => {});
        await keeper.remove().catch(() => {});
      }
      throw e;
    }
  }

  private static async startContainer(o: CreateHostOptions, keeper: WalKeeper | undefined): Promise<StartedTestContainer> {
    const mounts = [{ source: o.logDir, target: LOG_MOUNT, mode: 'rw' as const }];
    if (keeper) mounts.push({ source: keeper.volume, target: WAL_MOUNT, mode: 'rw' });
    let c = new GenericContainer(o.image.name)
      .withName(o.containerName)
      .withNetworkMode(o.network)
      .withLabels({ ...runLabels(o.runId), 'pgchaos.node': o.name })
      .withExposedPorts(PG_PORT)
      // The image's PostgreSQL binaries first: user images need not have them on PATH.
      .withEnvironment({ PATH: hostPath(o.image) })
      // No NET_ADMIN: network faults run iptables from a helper container (netns.ts), so the
      // host needs neither the capability nor iptables, as a production server would not.
      .withBindMounts(mounts)
      .withPullPolicy({ shouldPull: () => false })
      .withWaitStrategy(Wait.forSuccessfulCommand('true'));
    if (o.image.keepAlive) c = c.withEntrypoint(o.image.keepAlive.entrypoint).withCommand(o.image.keepAlive.command);
    return c.start();
  }

  /** Whether pg_wal lives on a size-limited filesystem at WAL_MOUNT (`walMountMb`). */
  get hasWalMount(): boolean {
    return this.walKeeper !== undefined;
  }

  /**
   * Fills the WAL filesystem with ballast files, so the next WAL segment PostgreSQL creates
   * fails with ENOSPC (the cluster runs with `wal_recycle = off`, so there are no recycled
   * segments to fall back on). fallocate, a second or so for 4 GB, repeated while the server's
   * own WAL writes take space meanwhile, until less than 64 kB is free. Undo with
   * `freeWalMount()`; a fill that fails is undone before it throws.
   * @returns bytes the ballast took. @throws Error without a WAL mount; ExecError when the host is down.
   */
  async fillWalMount(): Promise<number> {
    if (!this.walKeeper) throw new Error(`${this.name} has no size-limited pg_wal: start the cluster with walMountMb`);
    try {
      const out = await this.exec([
        'sh',
        '-c',
        `free() { echo $(( $(stat -f -c '%a * %S' ${WAL_MOUNT}) )); }
         for i in 1 2 3 4 5 6 7 8 9; do
           a=$(free); [ "$a" -lt 65536 ] && break
           fallocate -l "$a" ${WAL_MOUNT}/ballast.$i 2>/dev/null || fallocate -l $((a / 2)) ${WAL_MOUNT}/ballast.$i 2>/dev/null || true
         done
         b=0; for f in ${WAL_MOUNT}/ballast.*; do [ -f "$f" ] && b=$((b + $(stat -c %s "$f"))); done
         echo "$b $a"`,
      ]);
      const [bytes, left] = out.trim().split(' ').map(Number);
      // Space the server frees later (a checkpoint removing segments) is its own: the fault is the fill.
      if (!(left! < 65536)) throw new Error(`${this.name}: ${left} bytes still free on ${WAL_MOUNT} after 9 fallocates`);
      return bytes!;
    } catch (e) {
      await this.freeWalMount().catch(() => {});
      throw e;
    }
  }

  /** Deletes the ballast of `fillWalMount()`, also while the host is down; nothing to do when there is none. */
  async freeWalMount(): Promise<void> {
    await this.walKeeper?.deleteFiles(Array.from({ length: 9 }, (_, i) => `${WAL_MOUNT}/ballast.${i + 1}`));
  }

  /** The loopback port Docker publishes for PostgreSQL; read again after every boot. */
  get publishedPort(): number {
    return this.port;
  }

  /**
   * Runs a command inside the host as `user` (default `postgres`), killed by coreutils `timeout`
   * after `timeoutMs` (default 60 000) so that a frozen server cannot hang the caller; the harness
   * itself gives up 7 s later when the host does not answer at all (frozen).
   * @returns stdout. @throws ExecError with the output when it exits non-zero (124: timed out).
   */
  async exec(cmd: string[], opts: { user?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const seconds = timeoutMs / 1000; // `timeout` takes (fractional) seconds
    const running = this.container.exec(['timeout', '-k', '5', String(seconds), ...cmd], {
      user: opts.user ?? 'postgres',
      env: opts.env ?? {},
    });
    // `timeout` runs inside the host: a host frozen while the command runs stops it too. The
    // caller's deadline holds anyway (the frozen exec is left to end when the host thaws).
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ExecError(
              this.name,
              `${cmd.join(' ')} (no answer after ${(timeoutMs + EXEC_GRACE_MS) / 1000} s: is the host frozen?)`,
              124,
              '',
            ),
          ),
        timeoutMs + EXEC_GRACE_MS,
      );
    });
    running.catch(() => {}); // once the deadline won, a late failure is nobody's
    const started = Date.now();
    const r = await Promise.race([running, deadline]).finally(() => clearTimeout(timer));
    // 137 is also a SIGKILL from outside: the host killed (a crash fault, a fence) while it ran.
    const timedOut = r.exitCode === 124 || (r.exitCode === 137 && Date.now() - started >= timeoutMs);
    if (timedOut) throw new ExecError(this.name, `${cmd.join(' ')} (timed out after ${seconds} s)`, r.exitCode, r.output);
    if (r.exitCode === 137)
      throw new ExecError(this.name, `${cmd.join(' ')} (killed: was the host killed while it ran?)`, r.exitCode, r.output);
    if (r.exitCode !== 0) throw new ExecError(this.name, cmd.join(' '), r.exitCode, r.output);
    return r.stdout;
  }

  /** True while the host (container) is running. */
  async running(): Promise<boolean> {
    return (await (await this.engineHandle()).inspect()).State.Running;
  }

  /** Boots the host if it is down, without starting PostgreSQL. */
  async ensureUp(): Promise<void> {
    if (!(await this.running())) await this.boot();
  }

  /**
   * The host dies (SIGKILL of the container): PostgreSQL gets no chance to shut down; the data
   * directory stays for a later `ensureUp()`.
   * - loud (default): the kernel closes the host's TCP connections as it goes (FIN/RST), so peers
   *   learn of the death in milliseconds (measured: a `FIRST 1` standby took over `sync`
   *   0.4–0.6 s later, `wal_sender_timeout` never involved);
   * - `silent`: like a power loss, peers get nothing: every packet to and from the cluster
   *   network is dropped first (the rules die with the namespace), so they notice only through
   *   `wal_sender_timeout`, `wal_receiver_timeout` or TCP keepalives.
   * @throws ExecError when the silencing rules fail (the host is then still up).
   */
  async crash(o: { silent?: boolean } = {}): Promise<void> {
    if (o.silent) await this.addRules('silent-crash', this.isolationRules());
    try {
      await (await this.engineHandle()).kill({ signal: 'SIGKILL' });
    } catch (e) {
      await this.removeRules('silent-crash').catch(() => {});
      throw e;
    }
    log().debug({ node: this.name, silent: !!o.silent }, 'host crashed');
  }

  /** Every process of the host stopped at once (cgroup freezer, `docker pause`): connections stay open and hang. Undo with `thaw()`. */
  async freeze(): Promise<void> {
    await (await this.engineHandle()).pause();
  }

  /** Ends `freeze()`; nothing to do when the host is not frozen. */
  async thaw(): Promise<void> {
    const c = await this.engineHandle();
    if ((await c.inspect()).State.Paused) await c.unpause();
  }

  /**
   * Cuts this host off from the other hosts: packets to and from the cluster network are
   * dropped (connections hang, as in a real partition), except the gateway's, through which the
   * harness reaches the host. Undo with `reconnect()`. The rules live in the host's namespace:
   * a host crashed and booted again comes back connected.
   * @throws ExecError when iptables fails; ConfigError when no image with iptables is present.
   */
  async disconnect(): Promise<void> {
    await this.addRules('isolate', this.isolationRules());
  }

  /** Ends a partition made by `disconnect()`; nothing to do when the host was booted again since. */
  async reconnect(): Promise<void> {
    await this.removeRules('isolate');
  }

  /** The cluster network's subnet (CIDR) and gateway (the harness's path in). */
  networkOf(): { subnet: string; gateway: string } {
    return this.net;
  }

  /** This host's address on the cluster network (for rules on other hosts that name it). */
  async address(): Promise<string> {
    const nets = (await (await this.engineHandle()).inspect()).NetworkSettings.Networks;
    const ip = Object.values(nets).find((n) => n.IPAddress)?.IPAddress;
    if (!ip) throw new Error(`${this.name}: no address on the cluster network (is the host down?)`);
    return ip;
  }

  /**
   * Adds iptables rules (`CHAIN match… -j TARGET`, e.g. `OUTPUT -d 10.0.0.3 -j DROP`) in this
   * host's network namespace under `tag`, undone by `removeRules(tag)`. Runs from a helper
   * container (netns.ts, about 170 ms), so it works on any image and the host needs no
   * NET_ADMIN. The `statistic` match (random loss) is in this kernel; `netem` is not.
   * @throws ExecError when iptables refuses a rule; ConfigError when no image with iptables is present.
   */
  async addRules(tag: string, rules: string[]): Promise<void> {
    this.rules.set(tag, [...(this.rules.get(tag) ?? []), ...rules]);
    await runInNetns(this.netnsTarget(), rules.map((r) => `iptables -A ${r}`).join('\n'));
    log().debug({ node: this.name, tag, rules }, 'iptables rules added');
  }

  /** Deletes the rules added under `tag` that are still there (a host booted since has a new, empty namespace). */
  async removeRules(tag: string): Promise<void> {
    const rules = this.rules.get(tag) ?? [];
    this.rules.delete(tag);
    if (!rules.length || !(await this.running())) return;
    await runInNetns(this.netnsTarget(), rules.map((r) => `if iptables -C ${r} 2>/dev/null; then iptables -D ${r}; fi`).join('\n'));
    log().debug({ node: this.name, tag }, 'iptables rules removed');
  }

  /** The iptables rules in this host's namespace with their packet counters (`iptables-save -c`), e.g. to show a loss fault dropped packets. */
  async ruleCounters(): Promise<{ rule: string; packets: number }[]> {
    const out = await runInNetns(this.netnsTarget(), 'iptables-save -c');
    return [...out.matchAll(/^\[(\d+):\d+\] -A (.*)$/gm)].map((m) => ({ rule: m[2]!, packets: Number(m[1]) }));
  }

  /**
   * Limits the host's outgoing traffic to `kbit` kbit/s with a token bucket (tc `tbf`, in this
   * kernel; `netem` is not), the harness's own traffic included. Undo with `unlimitBandwidth()`.
   * @throws ExecError when tc fails (the helper's image needs iproute2, pgchaos's has it).
   */
  async limitBandwidth(kbit: number): Promise<void> {
    // burst: at least one full-size packet per tick; latency bounds the queue, as tc-tbf(8) requires one of latency/limit.
    await runInNetns(this.netnsTarget(), `tc qdisc replace dev eth0 root tbf rate ${kbit}kbit burst 32kbit latency 400ms`);
  }

  /** Ends `limitBandwidth()`; nothing to do when the host was booted again since. */
  async unlimitBandwidth(): Promise<void> {
    if (await this.running()) await runInNetns(this.netnsTarget(), 'tc qdisc del dev eth0 root 2>/dev/null || true');
  }

  /** Removes the host and its anonymous volumes, then its WAL keeper (after the host: the volume is in use until then). */
  async remove(): Promise<void> {
    // This engine (cgroup v1 freezer) cannot kill a paused container: the removal would hang
    // until something thawed it (seen after Ctrl-C during a freeze-host fault).
    await this.thaw().catch(() => {});
    await this.container.stop({ remove: true, removeVolumes: true, timeout: 0 }).catch(async (e: unknown) => {
      // Gone already is removed; still there, its keeper must stay too (a sweep removes both, in order).
      if (
        await this.engineHandle().then((c) =>
          c.inspect().then(
            () => true,
            () => false,
          ),
        )
      )
        throw e;
    });
    await this.walKeeper?.remove();
  }

  private isolationRules(): string[] {
    return isolationRules(this.net);
  }

  private netnsTarget(): NetnsTarget {
    return { containerId: this.container.getId(), node: this.name, runId: this.runId, image: this.image };
  }

  /** The engine's handle on this host, for what testcontainers does not offer (kill, restart, inspect). */
  private async engineHandle(): Promise<Dockerode.Container> {
    return (await docker()).getContainer(this.container.getId());
  }

  private async boot(): Promise<void> {
    const c = await this.engineHandle();
    await c.start();
    this.rules.clear(); // a new network namespace: the rules died with the old one
    // Docker may publish a different host port after a restart: read it again.
    const info = await c.inspect();
    const binding = info.NetworkSettings.Ports[`${PG_PORT}/tcp`]?.[0];
    if (!binding) throw new Error(`${this.name}: no published port for ${PG_PORT}/tcp after restart`);
    this.port = Number(binding.HostPort);
  }
}

/**
 * iptables rules (`CHAIN match -j TARGET`) that drop everything to and from the cluster network
 * `subnet` but the `gateway`'s, through which the harness reaches the host.
 */
export function isolationRules(net: { subnet: string; gateway: string }): string[] {
  const { subnet, gateway } = net;
  return [`INPUT -s ${gateway} -j ACCEPT`, `INPUT -s ${subnet} -j DROP`, `OUTPUT -d ${gateway} -j ACCEPT`, `OUTPUT -d ${subnet} -j DROP`];
}
