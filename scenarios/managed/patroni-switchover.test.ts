/**
 * Planned switchover through Patroni's own command — write-up 000 §11, with Patroni making the moves.
 *
 * What Patroni 3.0.2 does (docs/rest_api.rst "Switchover and failover endpoints", docs/patronictl
 * usage `patronictl switchover`; code patroni/ctl.py, patroni/api.py `do_POST_switchover`,
 * patroni/ha.py `process_manual_failover_from_leader`, `demote('graceful')`):
 * `patronictl switchover --leader L --candidate C` posts the switchover to the leader's REST API,
 * which writes the `/failover` key; the leader's next HA loop checks the candidate is healthy,
 * then demotes itself gracefully: a fast shutdown (its walsenders send the shutdown checkpoint to
 * the replicas first), the leader key released. The candidate takes the key and promotes (a new
 * timeline); the old leader starts again as its replica, with nothing to rewind after a clean
 * stop. Under `synchronous_mode` the candidate must be the synchronous standby: api.py refuses
 * any other ("candidate name does not match with sync_standby").
 *
 * Its own config, run when the user gives no patroni.yml: `synchronous_mode` with
 * `synchronous_mode_strict`, so every acknowledged commit is on the candidate when it promotes,
 * and shorter timings than Patroni's defaults (ttl 10, loop_wait 2, retry_timeout 4, as the fault
 * tests run; loop_wait + 2 × retry_timeout <= ttl holds). Clients connect through HAProxy checking
 * `GET /primary` (Patroni's haproxy.cfg: inter 3 s, fall 3, rise 2).
 *
 * What must hold: the outage as the client sees it (its last commit on the old leader to its
 * first on the new one) is measured and writes come back within the window; no acknowledged
 * commit lost (Patroni promises none under strict synchronous mode, model/patroni-promise.ts);
 * Patroni's view records no failover, only the switchover asked for; one primary at a time;
 * every node ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { scenario, steadyWrites, syncStandby, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, writeOutage } from '../../harness/checks/index.ts';
import { STRICT_PATRONI } from './patroni-config.ts';

/** Writes must be back this long after Patroni shows the candidate leading, ms. */
const RECOVERY_MS = 60_000;

scenario(
  'patroni: planned switchover by patronictl to the sync standby',
  async (ctx) => {
    const { rec, startManaged, verify } = ctx;
    const manager = await startManaged();
    // The writer and the observer connect as the application does: through HAProxy.
    const {
      writer,
      steadyTps,
      meanwhile: candidate,
    } = await steadyWrites(ctx, manager, { observeMs: 500, meanwhile: () => syncStandby(manager) });

    // patronictl switchover to the sync standby; the manager waits until Patroni shows it leading.
    const switched = await manager.switchover(candidate);
    rec.step('switchover done', { from: switched.from, to: switched.to, output: switched.output });
    rec.metric('switchoverCommandMs', Math.round(switched.doneT - switched.startedT), { unit: 'ms', better: 'lower' });
    // From when Patroni shows the candidate leading: commits acknowledged after the command but
    // before the old leader's shutdown are not writes back.
    const recovered = await verifyRecovered(ctx, writer, { repairT: switched.doneT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    const outage = writeOutage(writer.ledger(), switched.from, switched.to);
    rec.metric('switchoverOutageMs', outage.outageMs === null ? null : Math.round(outage.outageMs), { unit: 'ms', better: 'lower' });
    await holdFor(2000); // writes on the new leader with both replicas back

    await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: switched.doneT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 0,
    });
    // Patroni's view showed the leader change asked for, and no other.
    verify(checkFailovers(manager.failovers, []));
  },
  { managers: ['patroni'], patroni: { config: STRICT_PATRONI }, timeoutMs: 6 * 60_000 },
);
