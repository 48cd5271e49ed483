/**
 * Failback of the old primary under repmgr after its host crashed and a standby was promoted —
 * write-ups 001 (scheme 1: pg_rewind by hand) and 003 (§四.5), with repmgr's own command making
 * the move.
 *
 * What repmgr 5.3.3 does: repmgrd promotes a standby after `reconnect_attempts` ×
 * `reconnect_interval` (docs "repmgrd automatic failover"), and never fences or rejoins the old
 * primary (repmgr-failover.test.ts: booted with its services, it runs as a primary again, repmgr
 * #766). repmgr's docs give the failback as a command for the DBA ("How can a failed primary be
 * re-added as a standby?", FAQ C.2.4; `repmgr node rejoin`: "Enables a dormant (stopped) node to
 * be rejoined to the replication cluster … can optionally use pg_rewind to re-integrate a node
 * which has diverged from the rest of the cluster, typically a failed primary", with
 * `--force-rewind`). So here the old primary's host boots with PostgreSQL held down (the fencing
 * repmgr leaves to the user: docs "fencing … the failed primary must be isolated from
 * applications"), and `repmgr node rejoin -d <new primary> --force-rewind` rewinds it with
 * pg_rewind and starts it as a standby of the new primary (`RepmgrManager.rejoin`, after a
 * CHECKPOINT on the new primary as pg_rewind's docs ask of a recently promoted source); then its
 * repmgrd starts, as a boot would. When pg_rewind cannot rewind, pgchaos re-clones it
 * (`repmgr standby clone --force`, RepmgrCluster.rejoin) and records so: `rejoinedBy`.
 *
 * Its config: repmgr's defaults with `failover=automatic` and the retries at 3 × 2 s
 * (repmgr-config.ts), asynchronous replication (repmgr's promise: nothing). Clients connect to the
 * primary repmgr's view holds.
 *
 * What must hold: repmgrd promotes a standby and writes come back; the old primary, fenced until
 * then, rejoins by pg_rewind (it never ran as a primary again, so the WAL before the fork is still
 * in its pg_wal: a re-clone here is a failure) as a standby on the new timeline, and repmgr's view
 * settles; writes go on through the rejoin; one primary at a time; no acknowledged commit lost
 * beyond the promise (none promised: measured); every node ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { awaitFailover, pollUntil, scenario, steadyWrites, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, checkSustained } from '../../harness/checks/index.ts';
import { RepmgrManager, viewTable } from '../../harness/manager/index.ts';
import { SHORT_REPMGR } from './repmgr-config.ts';

/** Writes back after the promotion, and the old primary rejoined and streaming after its boot, within this, ms. */
const RECOVERY_MS = 60_000;
/** repmgrd's 3 × 2 s retries, its election, and room, ms. */
const FAILOVER_WITHIN_MS = 60_000;

scenario(
  'repmgr: failback: the old primary’s host boots fenced and repmgr node rejoin --force-rewind makes it a standby',
  async (ctx) => {
    const { rec, startManaged, inject, verify } = ctx;
    const manager = await startManaged();
    if (!(manager instanceof RepmgrManager)) throw new Error('this story runs under manager repmgr');
    const { writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: 500 });

    const crash = await inject(manager.cluster, { kind: 'crash-host-loud', target: 'primary' });
    const oldPrimary = crash.nodes[0]!;
    const standbys = manager.nodeNames.filter((n) => n !== oldPrimary);
    const failover = await awaitFailover(manager, `repmgrd to promote a standby after ${oldPrimary}'s host crashed`, FAILOVER_WITHIN_MS);
    rec.metric('promotedAfterCrashMs', Math.round(failover.promotedT - crash.faultT), { unit: 'ms', better: 'lower' });
    await verifyRecovered(ctx, writer, { repairT: failover.promotedT, withinMs: RECOVERY_MS, steadyTps });
    await holdFor(2000);

    // The host boots with PostgreSQL held down (repmgr leaves fencing to the user), then repmgr's failback.
    const host = manager.cluster.nodeHost(oldPrimary);
    let output = '';
    const healT = await crash.healBy(`boot ${oldPrimary}'s host fenced, then repmgr node rejoin --force-rewind`, async () => {
      await host.ensureUp();
      output = await manager.rejoin(oldPrimary);
      await manager.cluster.agent(oldPrimary).start(); // repmgrd, as the boot would start it: PostgreSQL already runs
    });
    const how = output.includes('(pg_rewind failed: cloned again)')
      ? 're-clone'
      : /NOTICE: executing pg_rewind/.test(output) && /NOTICE: NODE REJOIN successful/.test(output)
        ? 'pg_rewind'
        : 'neither';
    rec.step(`${oldPrimary} rejoined by ${how}`, { lines: output.split('\n').filter(Boolean).slice(-20) });
    rec.metric('rejoinedBy', how, { unit: 'text', better: 'none' });
    const newTimeline = (await manager.view()).rows.find((r) => r.role === 'primary')?.timeline ?? null;
    await pollUntil(
      async () => {
        const v = await manager.view();
        return (await manager.settled()) ? { done: true, value: v } : { done: false, seen: v.error ?? viewTable(v.rows) };
      },
      { what: `repmgr to show ${oldPrimary} a running standby of the new primary`, timeoutMs: RECOVERY_MS, intervalMs: 500 },
    );
    const rejoinedMs = rec.clock.now() - healT;
    rec.metric('rejoinedAfterBootMs', Math.round(rejoinedMs), { unit: 'ms', better: 'lower' });
    const timeline = await manager.node(oldPrimary).safePsql('SELECT timeline_id FROM pg_control_checkpoint()', { timeoutMs: 5000 });
    rec.step(`${oldPrimary} streaming as a standby`, { timeline, newPrimaryTimeline: newTimeline });
    await holdFor(3000);
    verify(checkSustained(writer.samples(), { fromT: healT, toT: rec.clock.now(), steadyTps, fraction: 0.5 }));

    await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: healT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    // One failover, to a standby; the rejoin is no failover.
    verify(checkFailovers(manager.failovers, [{ from: oldPrimary, to: standbys, why: 'equal priorities: the higher LSN, then node id' }]));
    // Judged last, once the oracle above has had its say: the fenced old primary never wrote past
    // the fork again, so pg_rewind must do; a re-clone means it could not.
    if (how !== 'pg_rewind')
      throw new Error(`${oldPrimary} rejoined by ${how}, not by pg_rewind: ${output.split('\n').slice(-12).join(' / ')}`);
  },
  { managers: ['repmgr'], repmgr: { config: SHORT_REPMGR }, timeoutMs: 6 * 60_000 },
);
