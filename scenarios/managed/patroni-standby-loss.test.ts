/**
 * Standby loss under Patroni's strict synchronous mode — write-ups 004 (§8, §9) and 000 (§10),
 * with Patroni writing `synchronous_standby_names`.
 *
 * What Patroni 3.0.2 does (docs/replication_modes.rst "Synchronous mode", docs/SETTINGS.rst;
 * code patroni/ha.py `process_sync_replication`, patroni/postgresql/sync.py `current_state`,
 * `set_synchronous_standby_names`): under `synchronous_mode` the leader names
 * `synchronous_node_count` (default 1) of its streaming replicas in `synchronous_standby_names`
 * and publishes them in the DCS `/sync` key. Each HA loop (every `loop_wait`) it compares the
 * replicas streaming in pg_stat_replication with the ones it named; when the named one is gone it
 * names another streaming replica ("Patroni will pick another standby and update the
 * synchronous_standby_names"), and publishes it in `/sync` once it reports `sync`. Until then
 * every commit waits for the standby that is gone (syncrep.c). With `synchronous_mode_strict`
 * Patroni never drops to asynchronous replication: with no replica left it writes `*` and
 * commits block; with one left, it names that one.
 *
 * Its own config, run when the user gives no patroni.yml: `synchronous_mode` with
 * `synchronous_mode_strict`, the fault tests' timings (ttl 10, loop_wait 2, retry_timeout 4), so
 * a stall lasts up to a loop; clients through HAProxy.
 *
 * What must hold: when the sync standby's host crashes, commits stall (the model, syncrep.c:
 * the only standby named is gone), Patroni names the other replica, and writes recover after
 * that; no failover; the setting Patroni writes agrees with pg_stat_replication at every sample
 * (the model); the crashed host boots again and Patroni's replica rejoins; no acknowledged
 * commit lost; every node ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { scenario, steadyWrites, syncStandby, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, checkModelAgreement, checkStalled } from '../../harness/checks/index.ts';
import { parseSyncStandbyNames, predict } from '../../harness/model/index.ts';
import { STRICT_PATRONI } from './patroni-config.ts';

/** Writes must be back this long after Patroni renamed the sync standby, and after the heal, ms. */
const RECOVERY_MS = 30_000;
/** The observer's interval, ms. */
const OBSERVE_MS = 100;

scenario(
  "patroni: the sync standby's host crashes under synchronous_mode_strict: stall, another sync standby, recovery",
  async (ctx) => {
    const { rec, startManaged, inject, verify } = ctx;
    const manager = await startManaged();
    const {
      observer,
      writer,
      steadyTps,
      meanwhile: sync,
    } = await steadyWrites(ctx, manager, { observeMs: OBSERVE_MS, meanwhile: () => syncStandby(manager) });

    // The model: with the named standby gone, no walsender can confirm: commits wait (syncrep.c).
    const named = observer.latest()!.settings!.synchronousStandbyNames;
    const others = manager.nodeNames.filter((n) => n !== sync && n !== observer.latest()!.primary);
    const model = predict({ synchronousStandbyNames: named, synchronousCommit: 'on', standbys: others.map((name) => ({ name })) });
    rec.step('the model with the sync standby gone', { synchronous_standby_names: named, commitsStall: model.commitsStall });

    const crash = await inject(manager.cluster, { kind: 'crash-host-loud', target: { node: sync } }, { named });
    // Patroni's next loop names another streaming replica; the observer reads the setting at every sample.
    const renamed = await observer.waitFor(
      `Patroni to name a sync standby other than ${sync}`,
      (s) => s.settings !== undefined && !parseSyncStandbyNames(s.settings.synchronousStandbyNames).names.includes(sync),
      RECOVERY_MS,
    );
    rec.step('Patroni named another sync standby', { synchronous_standby_names: renamed.settings!.synchronousStandbyNames });
    rec.metric('renamedAfterCrashMs', Math.round(renamed.t - crash.faultT), { unit: 'ms', better: 'lower' });
    const recovered = await verifyRecovered(ctx, writer, { repairT: renamed.t, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    if (model.commitsStall) {
      // Commits stall from the crash until Patroni's next loop renames (anywhere in 0–loop_wait):
      // as many zero-commit 100 ms intervals as that took, less 3 for the commits in flight at the
      // crash, the observer's own interval and a partly filled last one; at least one.
      const minZeroIntervals = Math.max(1, Math.floor((renamed.t - crash.faultT) / 100) - 3);
      const stall = verify(checkStalled(writer.samples(), { faultT: crash.faultT, withinMs: 2000, minZeroIntervals }));
      rec.metric('stallOnsetMs', stall.evidence.stallMs === null ? null : Math.round(stall.evidence.stallMs));
    }
    // The stall as the client saw it: the longest wait between two commits from the last one
    // before the crash to the first after the rename (commits in flight at the crash may land just after it).
    const acks = writer
      .ledger()
      .filter((b) => b.outcome === 'acked')
      .map((b) => b.endT)
      .sort((a, b) => a - b);
    const from = acks.findLastIndex((t) => t <= crash.faultT);
    const to = acks.findIndex((t) => t > renamed.t);
    const gaps = from >= 0 && to > from ? acks.slice(from + 1, to + 1).map((t, i) => t - acks[from + i]!) : [];
    if (gaps.length) rec.metric('stallMs', Math.round(Math.max(...gaps)), { unit: 'ms', better: 'lower' });
    await holdFor(2000);

    // The host boots again; Patroni starts there and the replica streams again.
    const healT = await crash.heal();
    await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: healT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    verify(checkFailovers(manager.failovers, [])); // a standby loss is no failover
    verify(checkModelAgreement(observer.samples(), { intervalMs: OBSERVE_MS }));
  },
  { managers: ['patroni'], patroni: { config: STRICT_PATRONI, modes: ['strict'] }, timeoutMs: 5 * 60_000 },
);
