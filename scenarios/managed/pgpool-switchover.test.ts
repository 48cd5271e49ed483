/**
 * Planned switchover through pgpool-II's own command — write-up 000 §11, with pgpool making the
 * moves: `pcp_promote_node -s -n 1` (pgpool-II 4.3, pcp-promote-node.html: with `--switchover`
 * pgpool sets the primary down, runs failover_command "with the new main node argument … set to
 * the specified node id", then follow_primary_command for the other nodes).
 *
 * What happens, by pgchaos's scripts (manager/pgpool/scripts.ts, after pgpool's samples): pgpool
 * detaches pg0 (its sessions end), failover.sh promotes s1 by `pg_promote()`, pgpool routes to
 * s1; follow_primary.sh then stops pg0 and s2 in turn, rewinds each to s1 (pg_rewind -R), starts
 * it and attaches it. pg0 is not stopped before s1 is promoted: it still runs as a primary for
 * that while, but pgpool no longer routes to it, so no client through pgpool writes to it.
 *
 * The story's settings: pgchaos's pgpool defaults, asynchronous replication (nothing promised:
 * model/pgpool-promise.ts). Clients connect through pgpool's port.
 *
 * What must hold: the outage as the client sees it (its last commit on pg0 to its first on s1) is
 * measured, and writes come back within the window; the manager records no failover (the change
 * was asked for); the loss is judged against the promise (asynchronous: none promised, and
 * pcp_promote_node waits for no standby to catch up before the promotion, so commits pg0
 * acknowledged just before it was detached may be lost: measured, `lostAcked`); one primary at a
 * time; every node ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { scenario, steadyWrites, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, writeOutage } from '../../harness/checks/index.ts';
import { PgpoolManager } from '../../harness/manager/index.ts';

/** Writes must be back this long after pgpool routes to the new primary, ms. */
const RECOVERY_MS = 30_000;

scenario(
  'pgpool: planned switchover by pcp_promote_node --switchover',
  async (ctx) => {
    const { rec, startManaged, verify } = ctx;
    const manager = await startManaged();
    if (!(manager instanceof PgpoolManager)) throw new Error('this story runs under manager pgpool');
    const { writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: 500 });

    const switched = await manager.switchover('s1');
    rec.step('switchover done', { from: switched.from, to: switched.to, output: switched.output });
    rec.metric('switchoverCommandMs', Math.round(switched.doneT - switched.startedT), { unit: 'ms', better: 'lower' });
    if (switched.from !== 'pg0') throw new Error(`the switchover went from ${switched.from}; expected pg0`);
    const recovered = await verifyRecovered(ctx, writer, { repairT: switched.doneT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    const outage = writeOutage(writer.ledger(), switched.from, switched.to);
    rec.metric('switchoverOutageMs', outage.outageMs === null ? null : Math.round(outage.outageMs), { unit: 'ms', better: 'lower' });
    await holdFor(2000);

    await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: switched.doneT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 0,
    });
    verify(checkFailovers(manager.failovers, []));
  },
  { managers: ['pgpool'], timeoutMs: 5 * 60_000 },
);
