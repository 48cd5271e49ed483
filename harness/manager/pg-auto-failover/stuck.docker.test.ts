/**
 * pg_auto_failover 2.0's stuck failover (issues #1113, #858; PR #1114/#1142 upstream, not in 2.0):
 * with its defaults (number_sync_standbys 1, every node in the replication quorum), the primary's
 * host and a standby's host killed at once leave the last standby in `report_lsn` with no primary:
 * the monitor waits for every quorum standby to report its LSN (group_state_machine.c
 * `BuildCandidateList`: an unhealthy quorum node that has not reported is "missing") and for
 * number_sync_standbys + 1 candidates. The promise model says so (`failoverWaitsForQuorumStandbys`):
 * stuck, not lossy. When the killed standby's host is booted and its agent started, the failover
 * completes. The view at the end of the wait is the evidence a stuck verdict would show.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { log } from '../../logger.ts';
import { pollUntil } from '../../wait.ts';
import { PgAutoFailoverCluster } from './cluster.ts';
import { describeView, primaryOf } from './view.ts';

let cluster: PgAutoFailoverCluster;

beforeAll(async () => {
  cluster = await PgAutoFailoverCluster.start({ pgMajor: 15 });
}, 240_000);

afterAll(async () => {
  await cluster?.destroy();
});

it('the primary and a quorum standby lost at once: the last standby waits in report_lsn; the standby back, it fails over', async () => {
  const primary = primaryOf(await cluster.view())!;
  const [lost, last] = cluster.nodeNames.filter((n) => n !== primary) as [string, string];
  await Promise.all([cluster.node(primary).crash(), cluster.node(lost).crash()]);
  const t0 = Date.now();
  // Past the monitor's unhealthy timeout (20 s) and the dead primary's demote_timeout (30 s).
  await new Promise((r) => setTimeout(r, 70_000));
  const v = await cluster.view();
  log().info({ view: describeView(v), text: await cluster.viewText() }, 'pg_auto_failover-stuck: 70 s after the kill');
  expect(primaryOf(v)).toBeUndefined();
  expect(v.nodes.find((n) => n.name === last)).toMatchObject({ reported: 'report_lsn', assigned: 'report_lsn' });
  const t1 = Date.now();
  await cluster.node(lost).ensureUp();
  await cluster.agent(lost).start();
  const promoted = await pollUntil(
    async () => {
      const now = await cluster.view();
      const p = primaryOf(now);
      return p ? { done: true, value: p } : { done: false, seen: describeView(now) };
    },
    { what: `a primary once ${lost} is back`, timeoutMs: 120_000, intervalMs: 500 },
  );
  log().info(
    { stuckMs: t1 - t0, backToPrimaryMs: Date.now() - t1, promoted, view: describeView(await cluster.view()) },
    'pg_auto_failover-stuck: failover completed',
  );
  expect([lost, last]).toContain(promoted);
}, 300_000);
