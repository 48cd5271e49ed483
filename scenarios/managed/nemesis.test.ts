/**
 * The nemesis under an HA manager (issue 18 §5): the built-in nemesis story (scenarios/nemesis.test.ts)
 * with the manager making every move, under the manager the config picks (`--manager patroni`,
 * `pg_auto_failover` or `repmgr`). Per seed (`--seed`, config `nemesis.seeds`) or saved schedule (`--schedule`),
 * over `--duration` seconds:
 *
 * 1. the manager brings the cluster up its own way with the user's config, else the config below
 *    (Patroni: three etcd members, the Patroni nodes, HAProxy, with `patroni.yml`;
 *    pg_auto_failover: a monitor and three nodes run by pg_autoctl, with the formation's settings
 *    of config `pgAutoFailover`; repmgr: three nodes with repmgrd, with config `repmgr`, else
 *    scenarios/managed/repmgr-config.ts); its view loop runs (`manager.start()`: each primary change it
 *    shows is a failover);
 * 2. the writer connects as the manager's users do (`manager.clients()`: through HAProxy; with
 *    the formation's multi-host URI and target_session_attrs=read-write), 100 batches/s unless the
 *    config sets a rate (the managed stories' rate: the manager's parts share the engine's two
 *    cores with PostgreSQL);
 * 3. the schedule: faults of the managed catalogue (nemesis/managed.ts), by default the manager's
 *    `managedDefaultKinds` (nemesis/defaults.ts: the node kinds that apply to a managed node, and
 *    the DCS, agent and proxy kinds its cluster has; pg_auto_failover's DCS is its one monitor and
 *    it has no proxy), at most two at once, 2–15 s each, within `managedLimits` (no more database
 *    nodes out at once than the config's promise survives);
 * 4. what must hold, through the seam (run/managed-steps.ts `verifyManagedConsistent`): a commit
 *    within the recovery window after the last heal (not stuck; the manager's views at every
 *    fault and move are the evidence); one primary at a time; the manager settles (a leader, every
 *    other node streaming from it); equal row hashes; no acknowledged commit lost where
 *    `manager.promise()` promises it (with who was out at each promotion, as the built-in story
 *    judges it); each deposed primary's write window and each failover as the client saw it, recorded.
 *
 * Patroni's config when the user gives none (UserConfig.patroni null): `synchronous_mode` with
 * `synchronous_mode_strict`, the config Patroni's docs give for no loss (replication_modes.rst:
 * "Patroni will not promote a standby unless it is certain that the standby contains all
 * transactions that may have returned a successful commit status to client"; strict: "the primary
 * will not accept writes" without a synchronous standby). Timings shortened so a 2-minute seed sees
 * failovers: faults last 2–15 s, and with Patroni's defaults (ttl 30) a dead leader would be
 * replaced only after 30 s, i.e. never within a fault. ttl 10, loop_wait 2, retry_timeout 4 keep
 * the rule SETTINGS.rst and Patroni's own config check state, `loop_wait + 2 * retry_timeout <=
 * ttl` (2 + 8 = 10), which is what lets an isolated leader demote itself before its key expires
 * (measured: docs/findings/2026-12-06-patroni-faults.md, deposed window 0). `use_pg_rewind` on, so
 * a deposed leader rejoins by pg_rewind, not a full re-clone, within the 60 s recovery window.
 *
 * pg_auto_failover's when the user gives none (UserConfig.pgAutoFailover null): its own defaults,
 * as `pg_autoctl create` leaves them (every node candidate priority 50 and in the replication
 * quorum; number_sync_standbys 1 once the second standby joined: model/pg-auto-failover-promise.ts),
 * and the monitor's timings as packaged (a node unhealthy after 20 s): the formation's settings
 * are the user's config (§2), its timings are not shortened here.
 *
 * repmgr's when the user gives none (UserConfig.repmgr null): `SHORT_REPMGR` (repmgr-config.ts),
 * repmgr's defaults with failover=automatic and repmgrd's retries at 3 × 2 s. repmgr has no DCS and
 * no proxy (nemesis/managed.ts `KINDS_NOT_UNDER`): its schedules draw the node kinds and its agent
 * (repmgrd killed, frozen); clients connect straight to the primary its view holds. Its promise
 * with asynchronous replication is nothing (model/repmgr-promise.ts): a loss is measured, not failed.
 * pgpool's: pgchaos's pgpool defaults (manager/pgpool/config.ts), asynchronous replication (its
 * promise: nothing, model/pgpool-promise.ts). pgpool has no DCS and no agent (KINDS_NOT_UNDER): its
 * schedules draw the node kinds and kill-proxy (pgpool itself). After the last heal, its operator
 * recovers online every node pgpool still holds detached (`PgpoolManager.recoverDetached`).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as holdFor } from 'node:timers/promises';
import { onTestFinished } from 'vitest';
import { scenario, userConfig, verifyManagedConsistent } from '../../harness/index.ts';
import { faultImpacts, impactByKind, lossExposure, meanTps } from '../../harness/checks/index.ts';
import {
  DEFAULT_RECOVERY_MS,
  describeSchedule,
  generateSchedule,
  managedDefaultKinds,
  managedFaults,
  managedLimits,
  Nemesis,
  type PlayedSchedule,
  type Schedule,
  validateSchedule,
} from '../../harness/nemesis/index.ts';
import { PgpoolManager } from '../../harness/manager/index.ts';
import { STRICT_PATRONI } from './patroni-config.ts';
import { SHORT_REPMGR } from './repmgr-config.ts';

/** Batches per second unless the config sets a rate (see the header). */
const RATE_TPS = 100;
/** Steady writes measured before the first fault, after a second of warm-up, ms. */
const STEADY_MS = 2000;
const config = userConfig();
const saved = config.nemesis.schedule ? validateSchedule(JSON.parse(readFileSync(config.nemesis.schedule, 'utf8'))) : null;

for (const seed of saved ? [saved.seed] : config.nemesis.seeds) {
  const title = saved ? `managed nemesis: saved schedule of seed ${seed}` : `managed nemesis: seed ${seed}`;
  scenario(
    title,
    async (ctx) => {
      const { rec, startManaged, startWriter } = ctx;
      const manager = await startManaged();
      rec.step('manager config', { from: configSource(), promise: manager.promise().why });
      const promise = manager.promise();
      const kinds = saved ? saved.faults.map((f) => f.kind) : (config.nemesis.kinds ?? managedDefaultKinds(manager.name));
      const schedule: Schedule =
        saved ??
        generateSchedule(
          seed,
          managedLimits({ kinds, standbys: manager.nodeNames.length - 1, durationMs: config.nemesis.durationS * 1000, promise }),
        );
      rec.metric('seed', seed);
      rec.nemesis = { seed, schedule };
      rec.step('schedule', { text: describeSchedule(schedule) });
      // Whatever ends the test (a timeout, Ctrl-C), the schedule and the view loop stop with it.
      const abort = new AbortController();
      onTestFinished(async () => {
        abort.abort();
        await manager.stop();
      });
      manager.start();
      const writer = await startWriter(manager.clients(), config.writer.rateTps === undefined ? { rateTps: RATE_TPS } : {});
      const nemesis = new Nemesis(managedFaults(manager.cluster), rec);
      const steadyFrom = rec.step('steady writes') + 1000;
      await holdFor(STEADY_MS + 1000);
      const steadyTps = meanTps(writer.samples(), steadyFrom, rec.clock.now());
      rec.metric('steadyTps', Math.round(steadyTps));

      const played: PlayedSchedule = await nemesis.play(schedule, abort.signal);
      const lastHealT = rec.clock.now();
      rec.nemesis.injected = played.injected;
      rec.nemesis.skipped = played.skipped;
      rec.metric('faultsInjected', played.injected.length);
      rec.metric('faultsSkipped', played.skipped.length);
      rec.metric('mostFailedAtOnce', played.mostFailedAtOnce);
      rec.metric('maxInjectDriftMs', Math.max(0, ...played.injected.map((i) => i.driftMs)));
      rec.step('every fault healed: recovery window', { withinMs: schedule.recoveryMs });
      // pgpool attaches no node it detached by itself (auto_failback off, pgpool's default): its
      // operator recovers them online (pcp_recovery_node), as its docs have it.
      // When pgpool cannot (it answers no session: seeds 1 and 2, run 20261206-225453-bdee), the
      // verdicts below judge the cluster as it is: no writable primary is a stuck verdict with its views.
      if (manager instanceof PgpoolManager)
        await manager.recoverDetached().then(
          (nodes) => rec.step('pgpool: nodes recovered online', { nodes }),
          (e: unknown) => rec.step('pgpool: online recovery not possible', { error: String(e).slice(0, 600) }),
        );

      // Who was out when each promotion was decided, and whether a host crashed (checks/readings/loss-exposure.ts).
      const seen = lossExposure({
        injected: played.injected,
        skipped: played.skipped,
        failovers: manager.failovers,
        primaryCrashLoses: promise.primaryCrashLoses,
      });
      rec.nemesis.outAtPromotion = seen.outAtPromotion;
      rec.metric('failuresAtOnce', seen.failuresAtOnce);
      try {
        const end = await verifyManagedConsistent(ctx, manager, writer, {
          lastHealT,
          recoveryMs: schedule.recoveryMs,
          failuresAtOnce: seen.failuresAtOnce,
          hostCrashed: seen.hostCrashed,
        });
        rec.nemesis.failovers = end.failovers;
      } finally {
        await manager.stop();
        // Per fault and per kind: how long commits stopped while it was in effect (reported, not judged).
        rec.nemesis.impacts = faultImpacts(writer.samples(), played.injected, steadyTps);
        rec.nemesis.byKind = impactByKind(rec.nemesis.impacts);
      }
    },
    {
      managers: ['patroni', 'pg_auto_failover', 'repmgr', 'pgpool'],
      // Any mode: the verdicts judge the loss against what the config promises (manager.promise()).
      patroni: { config: STRICT_PATRONI },
      repmgr: { config: SHORT_REPMGR },
      timeoutMs: (saved?.durationMs ?? config.nemesis.durationS * 1000) + DEFAULT_RECOVERY_MS + 5 * 60_000,
      seed,
      rerunArgs: rerunArgs(seed),
    },
  );
}

/** Where the manager's config came from, for the record: the user's file or settings, else the story's own or the manager's defaults. */
function configSource(): string {
  if (config.manager === 'pg_auto_failover')
    return config.pgAutoFailover
      ? `config pgAutoFailover (${config.source})`
      : "pg_auto_failover's defaults (candidate priority 50, replication quorum on every node)";
  if (config.manager === 'repmgr')
    return config.repmgr
      ? `config repmgr (${config.repmgr.file ?? config.source})`
      : "the story (repmgr's defaults, failover=automatic, retries 3 × 2 s)";
  if (config.manager === 'pgpool') return "pgchaos's pgpool defaults (health check every 1 s, auto_failback off, asynchronous)";
  return config.patroni?.file ?? 'the story (strict synchronous mode, short timings)';
}

/**
 * The flags that replay this story's run: the manager it ran under (a `managers` project picks it by
 * environment, not by flag), then the saved schedule, or the seed with what shapes its schedule. The
 * run's own config flags (`--config`, `--patroni-config`) come first in the rerun command (run/context.ts `rerunCommand`).
 */
function rerunArgs(seed: number): string[] {
  const n = config.nemesis;
  if (n.schedule) return ['--manager', config.manager, '--schedule', n.schedule];
  return [
    '--manager',
    config.manager,
    '--seed',
    String(seed),
    '--duration',
    String(n.durationS),
    ...(n.kinds ? ['--kinds', n.kinds.join(',')] : []),
  ];
}
