/**
 * Unplanned failover on a crash of the primary's host — write-up 000 §11 and write-up 003 §四, with
 * repmgr making the moves, and what repmgr does with the old primary when its host boots again
 * (repmgr #766: a split brain after the old primary restarts).
 *
 * What repmgr 5.3.3 does (docs "repmgrd automatic failover"; code repmgrd-physical.c
 * `do_primary_failover`, `do_election`, `check_primary_status`): repmgrd on each standby checks its
 * upstream every `monitor_interval_secs`; once it is gone it retries `reconnect_attempts` times,
 * `reconnect_interval` apart, then the standbys that see each other elect the one with the highest
 * received LSN (ties: priority, then node id), which runs `promote_command`; the others run
 * `follow_command` when it notifies them. Nothing fences the old primary: booted again, its
 * PostgreSQL starts as the primary its data directory says it is, and its repmgrd, reading its own
 * stale metadata, finds the node "still primary" and resumes monitoring it. The failback the docs
 * give is by hand: `repmgr node rejoin --force-rewind` on the stopped node (after a CHECKPOINT on
 * the new primary, as pg_rewind's docs ask of a recently promoted source; RepmgrCluster.rejoin).
 *
 * The story's settings: repmgr's defaults except `failover=automatic` (6 × 10 s retries), with
 * asynchronous replication (repmgr's promise: nothing; model/repmgr-promise.ts). Clients connect
 * straight to the primary `repmgr cluster show` holds, asking it after every lost connection.
 *
 * What must hold: repmgrd promotes a standby and writes come back within the window (the
 * failover as the client sees it is measured); the booted old primary is recorded as repmgr
 * leaves it (`deposedRunsAsPrimary`: 1 when it is writable and out of recovery, with repmgr's view
 * as evidence), and the clients, following repmgr's view, never write to it: one primary at a
 * time in the ledger; after `repmgr node rejoin`, every node has the same rows; the loss at the
 * failover is measured against the promise (none promised: measured, not failed).
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
import { RepmgrManager } from '../../harness/manager/index.ts';

/** Writes must be back this long after the crash: repmgr's 6 × 10 s retries, the election, and room. */
const RECOVERY_MS = 120_000;
/** The observer's interval, ms. */
const OBSERVE_MS = 200;

scenario(
  "repmgr: unplanned failover on the primary's host crash, and the old primary booted",
  async (ctx) => {
    const { rec, startManaged, inject } = ctx;
    const manager = await startManaged();
    if (!(manager instanceof RepmgrManager)) throw new Error('this story runs under manager repmgr');
    const { observer, writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: OBSERVE_MS });

    const crash = await inject(manager.cluster, { kind: 'crash-host-loud', target: 'primary' });
    const oldPrimary = crash.nodes[0]!;
    const failover = await awaitFailover(manager, `repmgrd to promote a standby after ${oldPrimary}'s host crashed`, RECOVERY_MS);
    rec.metric('promotedAfterCrashMs', Math.round(failover.promotedT - crash.faultT), { unit: 'ms', better: 'lower' });
    const recovered = await verifyRecovered(ctx, writer, { repairT: failover.promotedT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    await holdFor(3000);

    // The old primary's host boots: PostgreSQL and repmgrd start there, as a boot starts them.
    await crash.heal();
    // repmgrd's first loops on the booted node, then how they left it.
    await deposedAfterBoot(ctx, manager, oldPrimary, { afterMs: 15_000, why: 'repmgr #766' });

    // repmgr's documented failback, by its own command; then the end of a managed story.
    await manager.rejoin(oldPrimary);
    const end = await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: rec.clock.now(),
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    const standbys = manager.nodeNames.filter((n) => n !== oldPrimary);
    verifyFailoverSeen(ctx, manager, end, {
      faultT: crash.faultT,
      observer,
      observeMs: OBSERVE_MS,
      predicted: [{ from: oldPrimary, to: standbys, why: 'any standby: equal priorities, the higher LSN wins' }],
    });
  },
  { managers: ['repmgr'], timeoutMs: 8 * 60_000 },
);
