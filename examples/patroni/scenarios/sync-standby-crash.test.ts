/**
 * Our sync standby's host loses power, under synchronous_mode_strict.
 *
 * Patroni names one sync standby. When its host dies silently (no FIN, no RST: the primary's
 * walsender still thinks it streams), every commit waits for it: writes stall. Patroni drops the
 * dead member once its DCS key expires (ttl 20 s) and names the other replica at its next loop
 * (loop_wait 5 s); commits go on. Strict mode never lets the primary commit alone meanwhile. The
 * host comes back, Patroni rejoins it, and no acknowledged commit is lost.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { pollUntil, readPresentBatches, scenario } from 'pgchaos';
import { checkNoAckedLost, checkRecovered, checkSplitBrain, checkStalled, meanTps } from 'pgchaos/checks';

/** ttl + loop_wait of our patroni.yml, and room for HAProxy and the writer to notice: writes must be back within this. */
const WRITES_BACK_MS = 60_000;

scenario(
  'synchronous_mode_strict: the sync standby loses power, writes stall, Patroni names the other, writes resume',
  async (ctx) => {
    const { rec, startManaged, startWriter, startObserver, inject, verify } = ctx;
    // Patroni brings the cluster up from our patroni.yml (pgchaos.config.json's patroniConfig).
    const patroni = await startManaged();
    patroni.start();
    // Clients connect as ours do: through HAProxy, which asks each node's REST API `GET /primary`.
    const observer = startObserver(patroni.clients());
    const first = await observer.waitFor(
      'a sync standby streaming',
      (s) => s.standbys.some((r) => r.syncState === 'sync' && r.state === 'streaming'),
      60_000,
    );
    const sync = first.standbys.find((r) => r.syncState === 'sync')!.name;
    // Through HAProxy the observer sees "haproxy" as the primary: Patroni's own view names the leader.
    const leader = (await patroni.view()).primary;
    const other = patroni.nodeNames.find((n) => n !== sync && n !== leader)!;
    rec.step('Patroni named its sync standby', { leader, sync, other });
    const writer = await startWriter(patroni.clients());

    const steadyFrom = rec.step('steady writes') + 1000;
    await holdFor(5000);
    const steadyTps = meanTps(writer.samples(), steadyFrom, rec.clock.now());
    rec.metric('steadyTps', Math.round(steadyTps), { unit: 'tps', better: 'higher' });

    // The sync standby's host loses power: no one hears it go.
    const crash = await inject(patroni.cluster, { kind: 'crash-host-silent', target: { node: sync } });
    const crashT = crash.faultT;
    await observer.waitFor(`${other} sync`, (s) => s.standbys.some((r) => r.name === other && r.syncState === 'sync'), WRITES_BACK_MS);
    rec.metric('newSyncMs', Math.round(rec.clock.now() - crashT), { unit: 'ms', better: 'lower' });
    await holdFor(5000);
    // Writes stalled at once (1 s without a commit, starting within 2 s of the crash) and came back.
    const stall = verify(checkStalled(writer.samples(), { faultT: crashT, withinMs: 2000, minZeroIntervals: 10 }));
    rec.metric('stallStartMs', stall.evidence.stallMs ?? -1, { unit: 'ms', better: 'none' });
    const back = verify(checkRecovered(writer.samples(), { repairT: crashT, withinMs: WRITES_BACK_MS, steadyTps }));
    rec.metric('writesBackMs', back.evidence.recoveryMs ?? -1, { unit: 'ms', better: 'lower' });

    // The host boots and Patroni starts; Patroni rejoins it as a replica of the leader.
    await crash.heal();
    await pollUntil(async () => ((await patroni.settled()) ? { done: true, value: true } : { done: false, seen: 'not settled' }), {
      what: 'Patroni settled, every member streaming',
      timeoutMs: 120_000,
      intervalMs: 1000,
    });

    // Nothing acknowledged is lost: every acked batch is on the leader, whole.
    await writer.stop();
    const now = await patroni.clients().currentPrimary();
    verify(checkNoAckedLost(now.name, writer.ledger(), await readPresentBatches(now)));
    verify(checkSplitBrain(writer.ledger()));
  },
  { managers: ['patroni'], timeoutMs: 400_000 },
);
