/**
 * The lost-write checker catches loss — the counter-example that proves the checker can fail.
 *
 * Asynchronous replication (synchronous_standby_names = ''): the primary acknowledges a commit
 * before any standby has it. s2 is cut off, so it falls behind while commits go on; the primary's
 * host dies; and the lagging s2 is promoted instead of the most advanced standby. Every batch
 * acknowledged after s2 lost contact is gone from the new primary. The scenario passes only if
 * the lost-write check fails with lostAcked > 0 and names the missing (client, seq).
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { expect } from 'vitest';
import { readPresentBatches, recordOutage, scenario } from '../harness/index.ts';
import { checkNoAckedLost } from '../harness/checks/index.ts';

scenario('lost-write checker catches loss: async replication, the lagging standby promoted', async (ctx) => {
  const { rec, startCluster, startWriter, startObserver, inject, verify } = ctx;
  const cluster = await startCluster({ standbys: ['s1', 's2'], synchronousStandbyNames: '' }); // async, whatever the user's config
  const oldPrimary = cluster.primary;
  const s2 = cluster.node('s2');
  startObserver(cluster);
  const writer = await startWriter(cluster);
  rec.metric('timelineBefore', await oldPrimary.timeline());
  await holdFor(2000); // steady writes, both standbys streaming asynchronously

  // s2 is cut off from the primary (and s1): it falls behind.
  const s2Cut = await inject(cluster, { kind: 'isolate', target: { node: 's2' } });
  await holdFor(3000); // commits acknowledged that s2 never receives
  const primaryCrash = await inject(cluster, { kind: 'crash-host-loud', target: 'primary' });
  primaryCrash.lastsToEnd('the old primary stays down: the story promotes s2 without it');

  const { positions } = await cluster.mostAdvancedStandby();
  rec.step('compared standby LSNs', { positions });
  expect(positions.at(-1)!.name, 'the partition held s2 behind s1').toBe('s2');
  rec.metric('promotedNode', s2.name);
  rec.metric('promotedReceiveLsn', positions.at(-1)!.receiveLsn);
  rec.metric('otherReceiveLsn', positions[0]!.receiveLsn);
  rec.promotion = {
    promoted: s2.name,
    standbys: [...positions].reverse().map((p) => ({ node: p.name, receiveLsn: p.receiveLsn, replayLsn: p.replayLsn })),
  };

  // The wrong choice, on purpose: the least advanced standby becomes primary.
  await s2Cut.heal();
  rec.move('promote the lagging s2');
  await cluster.promote(s2);
  rec.metric('timelineAfter', await s2.timeline());
  await holdFor(1500); // the writer follows to s2 and writes there
  await writer.stop();
  recordOutage(ctx, writer, oldPrimary, s2);

  const check = checkNoAckedLost(s2.name, writer.ledger(), await readPresentBatches(s2));
  rec.metric('ackedBatches', check.evidence.ackedBatches);
  rec.metric('lostAckedOnPurpose', check.evidence.lostAcked); // the story's finding, not a regression when it varies from run to run
  rec.lostSample = check.evidence.lost.slice(0, 10);
  rec.metric('unknownOutcome', check.evidence.unknownOutcome);
  rec.metric('hashesEqual', null); // not compared: s1 is ahead of s2 on the old timeline and cannot follow it
  verify({
    id: 'lost-write-detection.loss-reported',
    check: 'lost-write checker reports the loss',
    status: check.status === 'failed' && check.evidence.lostAcked > 0 && check.evidence.lost.length > 0 ? 'passed' : 'failed',
    summary: `${check.status === 'failed' ? 'the checker failed, as it must' : `the checker said ${check.status}: it missed the loss`} — ${check.summary}; missing ${check.evidence.lost.slice(0, 5).join(', ')}${check.evidence.lostAcked > 5 ? ', …' : ''}`,
    evidence: check.evidence,
  });
});
