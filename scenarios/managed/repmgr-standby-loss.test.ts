/**
 * Standby loss under repmgr with a synchronous standby — write-ups 004 (§8, §9) and 000 (§10),
 * with the synchronous setting left, as repmgr leaves it, to PostgreSQL.
 *
 * What repmgr 5.3.3 does: nothing with `synchronous_standby_names`. Its C sources never read or
 * write it, its docs describe no synchronous set-up, and its own sessions commit with
 * `synchronous_commit = local` (dbutils.c) so that its metadata never waits
 * (model/repmgr-promise.ts). The setting is the user's: written on the primary before `repmgr
 * standby clone`, copied with the data directory, and left as written whatever happens to the
 * standby it names. repmgrd monitors the standbys' upstream, not the standbys: losing a standby
 * is no event it acts on (docs "repmgrd automatic failover": a failover is a lost primary).
 * So PostgreSQL's rule alone decides (syncrep.c; write-up 004 §8): with the only named standby
 * gone, every commit waits until it streams again, however long that takes — unlike Patroni,
 * which names another replica at its next loop (patroni-standby-loss.test.ts).
 *
 * Its config: repmgr's defaults with `failover=automatic` and the retries at 3 × 2 s
 * (repmgr-config.ts), plus `synchronous_standby_names = 'FIRST 1 (s1)'` in the nodes'
 * postgresql.conf (config `repmgr.postgresql`): one named synchronous standby, s2 asynchronous.
 *
 * What must hold: when s1's host crashes, the model predicts a stall and commits stall (at most
 * a few in flight land); repmgr makes no move (no failover, the setting unchanged); the stall
 * lasts the whole outage; when the host boots again (PostgreSQL and repmgrd started as a boot
 * starts them) s1 streams and writes recover; the setting agrees with pg_stat_replication at every
 * sample (the model); no acknowledged commit lost; every node ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { scenario, steadyWrites, verifyManagedConsistent, verifyRecovered } from '../../harness/index.ts';
import { checkFailovers, checkModelAgreement, checkStalled } from '../../harness/checks/index.ts';
import { RepmgrManager } from '../../harness/manager/index.ts';
import { predict } from '../../harness/model/index.ts';
import { SHORT_REPMGR } from './repmgr-config.ts';

/** The one synchronous standby the story names, and the setting naming it. */
const SYNC = 's1';
const NAMES = `FIRST 1 (${SYNC})`;
/** How long s1's host stays down, ms: the stall must last all of it. */
const OUTAGE_MS = 12_000;
/** Writes must be back this long after the host booted: PostgreSQL's start, its walreceiver, and room, ms. */
const RECOVERY_MS = 30_000;
/** The observer's interval, ms. */
const OBSERVE_MS = 100;

scenario(
  "repmgr: the only synchronous standby's host crashes: commits stall the whole outage (repmgr renames nothing), recover at its boot",
  async (ctx) => {
    const { rec, startManaged, inject, verify } = ctx;
    const manager = await startManaged();
    if (!(manager instanceof RepmgrManager)) throw new Error('this story runs under manager repmgr');
    const { observer, writer, steadyTps } = await steadyWrites(ctx, manager, { observeMs: OBSERVE_MS });

    const named = observer.latest()!.settings!.synchronousStandbyNames;
    const others = manager.nodeNames.filter((n) => n !== SYNC && n !== observer.latest()!.primary);
    const model = predict({ synchronousStandbyNames: named, synchronousCommit: 'on', standbys: others.map((name) => ({ name })) });
    rec.step('the model with the sync standby gone', { synchronous_standby_names: named, commitsStall: model.commitsStall });
    if (!model.commitsStall)
      throw new Error(`the model predicts no stall for '${named}' without ${SYNC}: the story's setting did not apply`);

    const crash = await inject(manager.cluster, { kind: 'crash-host-loud', target: { node: SYNC } }, { named });
    await holdFor(OUTAGE_MS);
    // The stall lasts the outage: zero-commit 100 ms intervals for all of it but the commits in
    // flight at the crash, the observer's interval and a partly filled last one.
    const stall = verify(
      checkStalled(writer.samples(), { faultT: crash.faultT, withinMs: 2000, minZeroIntervals: Math.floor(OUTAGE_MS / 100) - 25 }),
    );
    rec.metric('stallOnsetMs', stall.evidence.stallMs === null ? null : Math.round(stall.evidence.stallMs));
    const setting = await manager.node(observer.latest()!.primary!).safePsql('SHOW synchronous_standby_names', { timeoutMs: 5000 });
    rec.step('the setting during the outage, as repmgr left it', { synchronous_standby_names: setting });
    if (setting !== named) throw new Error(`synchronous_standby_names changed during the outage: '${named}' → '${setting}'`);

    // The host boots: PostgreSQL starts as the standby its data directory says, then repmgrd.
    const healT = await crash.heal();
    const recovered = await verifyRecovered(ctx, writer, { repairT: healT, withinMs: RECOVERY_MS, steadyTps });
    rec.metric('recoveryAfterBootMs', recovered.evidence.recoveryMs === null ? null : Math.round(recovered.evidence.recoveryMs));
    // The stall as the client saw it: the longest wait between two acknowledged commits around the outage.
    const acks = writer
      .ledger()
      .filter((b) => b.outcome === 'acked')
      .map((b) => b.endT)
      .sort((a, b) => a - b);
    const gaps = acks.slice(1).map((t, i) => ({ from: acks[i]!, ms: t - acks[i]! }));
    const longest = gaps.filter((g) => g.from >= crash.faultT - 1000).reduce((a, b) => (b.ms > a.ms ? b : a), { from: 0, ms: 0 });
    rec.metric('stallMs', Math.round(longest.ms), { unit: 'ms', better: 'none' });

    await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: healT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    verify(checkFailovers(manager.failovers, [])); // a standby loss is no failover
    verify(checkModelAgreement(observer.samples(), { intervalMs: OBSERVE_MS }));
  },
  {
    managers: ['repmgr'],
    repmgr: { config: { ...SHORT_REPMGR, postgresql: { synchronous_standby_names: NAMES } } },
    timeoutMs: 5 * 60_000,
  },
);
