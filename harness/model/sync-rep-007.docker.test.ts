/**
 * The model against PostgreSQL itself: PostgreSQL's own src/test/recovery/t/007_sync_rep.pl,
 * replayed step by step on a real primary with four standbys. At every check the primary's
 * pg_stat_replication must show 007's expected rows word for word (polled, as 007 polls), and
 * predict() — given the walsenders the primary really shows, in slot order — must say the same.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cluster } from '../db/cluster.ts';
import { compareWithModel } from './compare.ts';
import { SYNC_REP_007_QUERY, SYNC_REP_007_STANDBYS, SYNC_REP_007_STEPS } from './007-sync-rep.cases.ts';
import { formatSyncRows } from './sync-model.ts';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({ standbys: [...SYNC_REP_007_STANDBYS], synchronousStandbyNames: '' });
  // 007 starts from a primary whose walsender slots are all free: stop every standby, then
  // replay its starts and stops in its order.
  await Promise.all(cluster.standbys.map((s) => s.stop('fast')));
  await cluster.primary.pollQueryUntil('SELECT count(*) = 0 FROM pg_stat_replication');
}, 180_000);

afterAll(async () => {
  await cluster?.destroy();
});

it("replays 007_sync_rep.pl: PostgreSQL shows 007's rows, and the model predicts them", async () => {
  const checked: string[] = [];
  for (const step of SYNC_REP_007_STEPS) {
    if (step.do === 'start') {
      await cluster.node(step.standby).start();
      // 007's start_standby_and_wait: until the standby's walsender is in pg_stat_replication.
      if (step.wait)
        await cluster.primary.pollQueryUntil(`SELECT count(1) = 1 FROM pg_stat_replication WHERE application_name = '${step.standby}'`);
    } else if (step.do === 'stop') {
      await cluster.node(step.standby).stop('fast');
    } else {
      if (step.setting !== undefined) await cluster.setSynchronousStandbyNames(step.setting);
      // 007's test_sync_state: poll until the primary shows the expected rows.
      await cluster.primary.pollQueryUntil(SYNC_REP_007_QUERY, { expected: step.expected, timeoutMs: 30_000 });
      const rows = await cluster.primary.walSenders();
      const { prediction, mismatches } = compareWithModel(rows, cluster.syncSettings());
      expect(mismatches, `${step.message}: model vs PostgreSQL`).toEqual([]);
      expect(formatSyncRows(prediction), `${step.message}: model vs 007`).toBe(step.expected);
      checked.push(step.message);
    }
  }
  expect(checked).toHaveLength(SYNC_REP_007_STEPS.filter((s) => s.do === 'check').length);
}, 300_000);
