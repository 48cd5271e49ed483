/**
 * repmgr's cluster on PostgreSQL 15 (bookworm: repmgr 5.3.3), brought up the quickstart's way,
 * with settings that shorten repmgrd's retries (3 × 2 s instead of 6 × 10 s), give s2
 * priority 0 and add a witness (docs, "Using a witness server"):
 *  1. `repmgr cluster show` lists pg0 `* running` primary and s1, s2 `running` standbys of pg0,
 *     on timeline 1, both streaming; s2's priority is 0, as the fragment says; the witness
 *     `* running` under pg0, with no timeline;
 *  2. the primary's host crashes (`crash-host-loud` through the catalogue): repmgrd promotes s1
 *     (s2 has priority 0), and s2 follows it (its upstream in the view and in pg_stat_replication);
 *     the timeline moves to 2; the witness follows s1, and the cluster is ready again;
 *  3. destroy() leaves no container or network of the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../clock.ts';
import { docker, RUN_LABEL } from '../../docker.ts';
import { log } from '../../logger.ts';
import type { FaultLog } from '../../nemesis/catalogue.ts';
import { injectManagedFault } from '../../nemesis/managed.ts';
import { currentRun } from '../../run-id.ts';
import { pollUntil } from '../../wait.ts';
import { RepmgrCluster } from './cluster.ts';
import { describeView, primaryOf } from './view.ts';

async function leftovers(): Promise<{ containers: number; networks: number }> {
  const d = await docker();
  const filters = { label: [`${RUN_LABEL}=${currentRun().id}`] };
  return { containers: (await d.listContainers({ all: true, filters })).length, networks: (await d.listNetworks({ filters })).length };
}

const clock = new Clock();
const rec: FaultLog = { clock, fault: (_f, { at }) => at, heal: () => clock.now(), lastsToEnd: () => {} };

describe('repmgr cluster (PostgreSQL 15, repmgr 5.3.3)', () => {
  let cluster: RepmgrCluster;
  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await RepmgrCluster.start({
      config: { reconnect_attempts: 3, reconnect_interval: 2, nodes: { s2: { priority: 0 } }, witness: true },
    });
    log().info({ readyMs: Date.now() - t0 }, 'repmgr-cluster: ready');
  }, 300_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('brings up pg0 primary, two standbys and a witness attached to it, as repmgr cluster show lists them', async () => {
    const { view, text } = await cluster.viewWithText();
    log().info({ text }, 'repmgr-cluster: cluster show');
    expect(primaryOf(view)).toBe('pg0');
    expect(view.nodes.map((n) => [n.name, n.role, n.status, n.upstream, n.timeline])).toEqual([
      ['pg0', 'primary', '* running', '', 1],
      ['s1', 'standby', 'running', 'pg0', 1],
      ['s2', 'standby', 'running', 'pg0', 1],
      ['witness', 'witness', '* running', 'pg0', null],
    ]);
    expect(view.nodes.map((n) => n.priority).slice(0, 3)).toEqual([100, 100, 0]);
    expect((await cluster.walSenders('pg0')).map((s) => [s.name, s.state])).toEqual([
      ['s1', 'streaming'],
      ['s2', 'streaming'],
    ]);
  });

  it('a primary host crash: repmgrd promotes s1, and s2 and the witness follow it', async () => {
    const t0 = Date.now();
    const injected = await injectManagedFault(cluster, rec, { kind: 'crash-host-loud', target: 'primary' });
    expect(injected.nodes).toEqual(['pg0']);
    const promoted = await pollUntil(
      async () => {
        const v = await cluster.view();
        const p = primaryOf(v);
        return p && p !== 'pg0' ? { done: true, value: p } : { done: false, seen: describeView(v) };
      },
      { what: 'repmgrd to promote a standby', timeoutMs: 90_000, intervalMs: 500 },
    );
    const promotedMs = Date.now() - t0;
    expect(promoted).toBe('s1');
    await pollUntil(
      async () => {
        const v = await cluster.view();
        const s2 = v.nodes.find((n) => n.name === 's2');
        const senders = await cluster.walSenders('s1').catch(() => []);
        return s2?.upstreamRaw === 's1' && s2.status === 'running' && senders.some((s) => s.name === 's2' && s.state === 'streaming')
          ? { done: true, value: true }
          : { done: false, seen: describeView(v) };
      },
      { what: 's2 to follow s1', timeoutMs: 90_000, intervalMs: 500 },
    );
    const followedMs = Date.now() - t0;
    const { view, text } = await cluster.viewWithText();
    log().info({ promotedMs, followedMs, text }, 'repmgr-cluster: after the primary host crash');
    expect(view.nodes.find((n) => n.name === 's1')?.timeline).toBe(2);
    expect(view.nodes.find((n) => n.name === 'pg0')?.status).toMatch(/unreachable|failed/);
    const witness = await pollUntil(
      async () => {
        const w = (await cluster.view()).nodes.find((n) => n.name === 'witness');
        return w?.upstreamRaw === 's1' ? { done: true, value: w } : { done: false, seen: JSON.stringify(w) };
      },
      { what: 'the witness to follow s1', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(witness.status).toBe('* running');
  }, 240_000);

  it('destroy() removes every container and the network', async () => {
    await cluster.destroy();
    expect(await leftovers()).toEqual({ containers: 0, networks: 0 });
  });
});
