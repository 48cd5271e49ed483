/**
 * The private Docker network every managed cluster (Patroni, pg_auto_failover, repmgr) is brought
 * up on, and its containers. `ManagedNetwork.create()` does what each cluster's start needs before
 * its manager's own bring-up: orphans of crashed runs swept, the run's log folder, a labelled
 * bridge network with its subnet and gateway (the isolation rules need both; the harness reaches
 * the containers from the gateway), and one interrupt cleanup that removes every container started
 * through `member()` and the network, on Ctrl-C or a closed terminal as on `remove()`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { onInterrupt } from '../cleanup.ts';
import { type FaultHost, isolationRules } from '../db/host.ts';
import type { PgImage } from '../db/image.ts';
import { type NetnsTarget, runInNetns } from '../db/netns.ts';
import { docker, runLabels, sweepOrphans } from '../docker.ts';
import { ExecError } from '../errors.ts';
import { currentRun } from '../run-id.ts';

/** Where every container's logs go: the run's `logs/<cluster id>/` folder, bind-mounted. */
export const LOG_MOUNT = '/var/log/pgchaos';

/** A new cluster's id in the current run, `pgchaos-<run>-<6 hex>`: its network's name and its containers' prefix. */
export function newClusterId(): string {
  return `pgchaos-${currentRun().id}-${randomBytes(3).toString('hex')}`;
}

/** The cluster network: its name, subnet (CIDR) and gateway (the harness's path in). */
export interface NetworkFacts {
  name: string;
  subnet: string;
  gateway: string;
}

/** A container to start on the network: published ports, its command (default the image's), files copied in before it starts. */
export interface MemberSpec {
  ports?: number[];
  command?: string[];
  files?: Array<{ content: string; target: string }>;
}

/** A managed cluster's network and the containers started on it. Create with `ManagedNetwork.create`; end with `remove()`. */
export class ManagedNetwork {
  private readonly made: StartedTestContainer[] = [];
  private readonly unregister: () => void;
  /** `Date.now()` at creation, for the bring-up's log line, ms. */
  readonly startedAt = Date.now();

  private constructor(
    /** `pgchaos-<run>-<6 hex>`: the network's name and every container name's prefix. */
    readonly id: string,
    /** The run's id, for labels and the netns helper. */
    readonly runId: string,
    /** The run's log folder of this cluster (bind-mounted at `LOG_MOUNT`, writable by the containers' postgres user). */
    readonly logDir: string,
    readonly network: NetworkFacts,
    /** The manager, for the containers' `pgchaos.manager` label. */
    private readonly manager: string,
    private readonly net: Dockerode.Network,
  ) {
    this.unregister = onInterrupt(() => this.removeAll());
  }

  /**
   * Sweeps orphans, makes the log folder and the labelled network `id` of a new cluster of `manager`.
   * @throws Error when the engine reports no subnet or gateway (the network is removed first).
   */
  static async create(manager: string, id = newClusterId()): Promise<ManagedNetwork> {
    const run = currentRun();
    await sweepOrphans(); // what crashed earlier runs left, as the built-in cluster's start does
    const logDir = join(run.dir, 'logs', id);
    await mkdir(logDir, { recursive: true });
    await chmod(logDir, 0o777); // the containers' postgres user writes there
    const net = await (await docker()).createNetwork({ Name: id, Driver: 'bridge', CheckDuplicate: true, Labels: runLabels(run.id) });
    const ipam = (await net.inspect().catch(() => undefined))?.IPAM?.Config?.[0] as { Subnet?: string; Gateway?: string } | undefined;
    if (!ipam?.Subnet || !ipam.Gateway) {
      await net.remove().catch(() => {});
      throw new Error(`network ${id}: the engine reported no subnet or gateway`);
    }
    return new ManagedNetwork(id, run.id, logDir, { name: id, subnet: ipam.Subnet, gateway: ipam.Gateway }, manager, net);
  }

  /** `name`'s host name on the network: its container's name, `<id>-<name>` (network aliases would attach each container to the default bridge as well). */
  host(name: string): string {
    return `${this.id}-${name}`;
  }

  /**
   * Starts `name`'s container of `image` on the network (never pulled), labelled with the run, the
   * node and the manager, the log folder mounted; `remove()` removes it.
   * @throws as testcontainers' start (the image missing, the engine failing).
   */
  async member(name: string, image: PgImage, spec: MemberSpec = {}): Promise<Member> {
    let c = new GenericContainer(image.name)
      .withName(this.host(name))
      .withNetworkMode(this.id)
      .withLabels({ ...runLabels(this.runId), 'pgchaos.node': name, 'pgchaos.manager': this.manager })
      .withExposedPorts(...(spec.ports ?? []))
      .withBindMounts([{ source: this.logDir, target: LOG_MOUNT, mode: 'rw' }])
      .withCopyContentToContainer(spec.files ?? [])
      .withPullPolicy({ shouldPull: () => false })
      .withWaitStrategy(Wait.forSuccessfulCommand('true'));
    if (spec.command) c = c.withCommand(spec.command);
    const s = await c.start();
    this.made.push(s);
    return new Member(name, s, this.network, { runId: this.runId, image });
  }

  /** Removes every container started through `member()` and the network, and the interrupt cleanup. Safe to call twice. */
  async remove(): Promise<void> {
    this.unregister();
    await this.removeAll();
  }

  private async removeAll(): Promise<void> {
    const d = await docker();
    await Promise.all(
      this.made.map((c) =>
        d
          .getContainer(c.getId())
          .remove({ force: true, v: true })
          .catch(() => {}),
      ),
    );
    await this.net.remove().catch(() => {});
  }
}

/**
 * One container of a managed cluster: a database node, a DCS member, a monitor or a proxy. The
 * fault catalogue's host (db/host.ts `FaultHost`).
 */
export class Member implements FaultHost {
  /** iptables rules added per tag, so a heal deletes exactly what its fault added. */
  private readonly rules = new Map<string, string[]>();
  /** Published ports read again after a boot (Docker may publish others); empty until then. */
  private readonly ports = new Map<number, number>();

  constructor(
    /** `etcd0`, `pg0`, `s1`, `haproxy`; its host name on the cluster network is its container's, `<cluster>-<name>`. */
    readonly name: string,
    readonly container: StartedTestContainer,
    /** The cluster network: its name, subnet (CIDR) and gateway (the harness's path in). */
    private readonly network: NetworkFacts,
    private readonly netns: { runId: string; image: PgImage },
  ) {}

  /**
   * Runs `cmd` inside as `user` (default postgres), killed after `timeoutMs` (default 30 000; whole seconds, rounded up, for timeout(1)).
   * @returns stdout. @throws ExecError when it exits non-zero.
   */
  async exec(cmd: string[], o: { user?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.container.exec(['timeout', '-k', '3', String(Math.ceil((o.timeoutMs ?? 30_000) / 1000)), ...cmd], {
      user: o.user ?? 'postgres',
    });
    if (r.exitCode !== 0) throw new ExecError(this.name, cmd.join(' '), r.exitCode, r.output);
    return r.stdout;
  }

  /** The loopback port Docker publishes for the container's `port`; read again after every boot. */
  mappedPort(port: number): number {
    return this.ports.get(port) ?? this.container.getMappedPort(port);
  }

  /** The host's address on the cluster network. @throws Error when it has none (down). */
  async address(): Promise<string> {
    // The cluster network's, by name: the engine may list another network first.
    const ip = (await (await this.engineHandle()).inspect()).NetworkSettings.Networks[this.network.name]?.IPAddress;
    if (!ip) throw new Error(`${this.name}: no address on the cluster network (is it down?)`);
    return ip;
  }

  /**
   * `docker kill` (SIGKILL of the whole container): a loud host crash, the kernel closes its
   * connections; `silent`: its cluster traffic dropped first, so peers hear nothing (a power loss).
   * @throws ExecError when the silencing rules fail (the container is then still up).
   */
  async crash(o: { silent?: boolean } = {}): Promise<void> {
    if (o.silent) await this.addRules('silent-crash', isolationRules(this.network));
    try {
      await (await this.engineHandle()).kill({ signal: 'SIGKILL' });
    } catch (e) {
      await this.removeRules('silent-crash').catch(() => {});
      throw e;
    }
  }

  /** `docker kill`: a loud crash (see `crash`). */
  async kill(): Promise<void> {
    await this.crash();
  }

  /** Every process stopped (cgroup freezer, `docker pause`): connections stay open and hang. */
  async freeze(): Promise<void> {
    await (await this.engineHandle()).pause();
  }

  /** Ends `freeze()`; nothing to do when not frozen. */
  async thaw(): Promise<void> {
    const c = await this.engineHandle();
    if ((await c.inspect()).State.Paused) await c.unpause();
  }

  /** True while the container is frozen by `freeze()`. */
  async frozen(): Promise<boolean> {
    return (await (await this.engineHandle()).inspect()).State.Paused;
  }

  /** Cuts the container off from the cluster network (not from the gateway): packets dropped both ways. @throws ExecError. */
  async disconnect(): Promise<void> {
    await this.addRules('isolate', isolationRules(this.network));
  }

  /** Ends `disconnect()`; nothing to do when the container was booted again since (new namespace). */
  async reconnect(): Promise<void> {
    await this.removeRules('isolate');
  }

  /**
   * Boots the container if it is down: its command runs again (etcd, HAProxy); a database node's
   * host comes up with neither its agent nor PostgreSQL (the cluster's `agent(n).start()` starts them).
   */
  async ensureUp(): Promise<void> {
    if (await this.running()) return;
    const c = await this.engineHandle();
    await c.start();
    this.rules.clear(); // a new network namespace: the rules died with the old one
    const published = (await c.inspect()).NetworkSettings.Ports;
    for (const [key, bindings] of Object.entries(published ?? {})) {
      const binding = bindings?.[0];
      if (binding) this.ports.set(Number(key.split('/')[0]), Number(binding.HostPort));
    }
  }

  /** True while the container runs (a frozen one runs). */
  async running(): Promise<boolean> {
    return (await (await this.engineHandle()).inspect()).State.Running;
  }

  private async addRules(tag: string, rules: string[]): Promise<void> {
    this.rules.set(tag, [...(this.rules.get(tag) ?? []), ...rules]);
    await runInNetns(this.netnsTarget(), rules.map((r) => `iptables -A ${r}`).join('\n'));
  }

  private async removeRules(tag: string): Promise<void> {
    const rules = this.rules.get(tag) ?? [];
    this.rules.delete(tag);
    if (!rules.length || !(await this.running())) return;
    await runInNetns(this.netnsTarget(), rules.map((r) => `if iptables -C ${r} 2>/dev/null; then iptables -D ${r}; fi`).join('\n'));
  }

  private netnsTarget(): NetnsTarget {
    return { containerId: this.container.getId(), node: this.name, runId: this.netns.runId, image: this.netns.image };
  }

  private async engineHandle(): Promise<Dockerode.Container> {
    return (await docker()).getContainer(this.container.getId());
  }
}
