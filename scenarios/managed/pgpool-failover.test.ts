/**
 * Unplanned failover on a crash of the primary's host — write-up 000 §11 and write-up 001's
 * failover, with pgpool-II making the moves, and the old primary's failback by pgpool's online
 * recovery (write-up 001: `CREATE EXTENSION pgpool_recovery`, then `pcp_recovery_node`).
 *
 * What pgpool-II 4.3.5 does (runtime-config-health-check.html, runtime-config-failover.html,
 * runtime-online-recovery.html; the samples in /usr/share/doc/pgpool2/examples/scripts/): its
 * health check connects to every backend each `health_check_period`; after
 * `health_check_max_retries` failed tries it detaches the backend and runs `failover_command`
 * with `%m`, the live node with the smallest id, which pgchaos's failover.sh promotes
 * (`pg_promote()`); pgpool then finds the new primary and runs `follow_primary_command` for each
 * other node, whose script rewinds it to the new primary and attaches it. Nothing fences the old
 * primary: booted again, its PostgreSQL starts as a primary, and pgpool keeps it detached
 * (`down`), so no client through pgpool reaches it. The failback is the operator's:
 * `pcp_recovery_node` clones it again from the new primary (recovery_1st_stage), starts it
 * (pgpool_remote_start) and attaches it.
 *
 * The story's settings: pgchaos's pgpool defaults (health check every 1 s, 2 retries, 5 s timeout;
 * asynchronous replication: nothing promised, model/pgpool-promise.ts). Clients connect through
 * pgpool's port.
 *
 * What must hold: pgpool promotes s1 and writes come back within the window (the failover as the
 * client sees it is measured); the booted old primary is recorded as pgpool leaves it
 * (`deposedRunsAsPrimary`), and no client through pgpool writes to it: one primary at a time in
 * the ledger; after online recovery every node has the same rows; the loss at the failover is
 * measured against the promise (none promised: measured, not failed).
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import {
  awaitFailover,
  deposedAfterBoot,
  scenario,
  steadyWrites,
  verifyFailoverSeen,
  verifyManagedConsistent,
  verifyRecovered,
} from '../../harness/index.ts';
import { PgpoolManager } from '../../harness/manager/index.ts';

/** Writes must be back this long after the crash: detection (about 10 s), the promotion, and room. */
const RECOVERY_MS = 60_000;
/** The observer's interval, ms. */
const OBSERVE_MS = 200;

scenario(
  "pgpool: unplanned failover on the primary's host crash, and failback by online recovery",
  async (ctx) => {
    const { rec, startManaged, inject } = ctx;
    const manager = await startManaged();
    if (!(manager instanceof PgpoolManager)) throw new Error('this story runs under manager pgpool');
    const { observer, writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: OBSERVE_MS });

    const crash = await inject(manager.cluster, { kind: 'crash-host-loud', target: 'primary' });
    const oldPrimary = crash.nodes[0]!;
    const failover = await awaitFailover(manager, `pgpool to promote a standby after ${oldPrimary}'s host crashed`, RECOVERY_MS);
    rec.metric('promotedAfterCrashMs', Math.round(failover.promotedT - crash.faultT), { unit: 'ms', better: 'lower' });
    const recovered = await verifyRecovered(ctx, writer, { repairT: failover.promotedT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    await holdFor(3000);

    // The old primary's host boots: PostgreSQL starts there as its data directory says, a primary.
    await crash.heal();
    await deposedAfterBoot(ctx, manager, oldPrimary, { afterMs: 10_000, why: 'pgpool keeps it detached' });

    // pgpool's online recovery, by its own command; then the end of a managed story.
    await manager.recover(oldPrimary);
    const end = await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: rec.clock.now(),
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    verifyFailoverSeen(ctx, manager, end, {
      faultT: crash.faultT,
      observer,
      observeMs: OBSERVE_MS,
      predicted: [{ from: oldPrimary, to: ['s1'], why: 'pgpool promotes the live standby with the smallest node id (%m)' }],
    });
  },
  { managers: ['pgpool'], timeoutMs: 8 * 60_000 },
);
