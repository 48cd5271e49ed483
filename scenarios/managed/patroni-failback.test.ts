/**
 * Failback of the old primary by Patroni after its host crashed and booted again — write-ups 001
 * (scheme 1, pg_rewind) and 003 (§四.5), with Patroni making every move.
 *
 * What Patroni 3.0.2 does (docs/SETTINGS.rst `use_pg_rewind`, docs/replication_modes.rst; code
 * patroni/ha.py `recover`, `_handle_rewind_or_reinitialize`, patroni/postgresql/rewind.py
 * `Rewind.trigger_check_diverged_lsn`, `execute`): when the agent starts on a host whose data
 * directory was a primary and another node holds the leader key, it starts PostgreSQL as a
 * replica of the leader ("starting as a secondary"). It first checks whether the old timeline
 * diverged from the leader's history (`pg_controldata`'s checkpoint against the leader's timeline
 * history); if so, with `use_pg_rewind` on, it runs pg_rewind against the leader and starts the
 * node as its replica; without it (or when pg_rewind fails), a replica that cannot follow waits
 * for a reinit (`remove_data_directory_on_rewind_failure`, `remove_data_directory_on_diverged_timelines`).
 * pgchaos only boots the host and starts the agent (nemesis/managed.ts): it never rewinds.
 *
 * Its own config, run when the user gives no patroni.yml: `use_pg_rewind` (data checksums come from
 * pgchaos's initdb defaults), `synchronous_mode` with `synchronous_mode_strict`, the fault tests'
 * timings (ttl 10, loop_wait 2, retry_timeout 4); clients through HAProxy.
 *
 * What must hold: Patroni fails over to the sync standby; once the old primary's host is back,
 * Patroni rejoins it as a replica on the new timeline within the window (measured: host boot to
 * streaming); writes go on all along after the failover; no acknowledged commit lost; one
 * primary at a time; every node, the old primary included, ends with the same rows.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import {
  awaitFailover,
  pollUntil,
  scenario,
  steadyWrites,
  syncStandby,
  verifyManagedConsistent,
  verifyRecovered,
} from '../../harness/index.ts';
import { checkFailovers, checkSustained } from '../../harness/checks/index.ts';
import { viewTable } from '../../harness/manager/index.ts';
import { STRICT_PATRONI } from './patroni-config.ts';

/** Writes back after the crash, and the old primary rejoined after the heal, within this, ms. */
const RECOVERY_MS = 60_000;

scenario(
  'patroni: failback: the old primary’s host boots again and Patroni rejoins it as a replica',
  async (ctx) => {
    const { rec, startManaged, inject, verify } = ctx;
    const manager = await startManaged();
    const {
      writer,
      steadyTps,
      meanwhile: sync,
    } = await steadyWrites(ctx, manager, { observeMs: 500, holdMs: 5000, meanwhile: () => syncStandby(manager) });

    // The leader's host dies; Patroni promotes the sync standby once the leader key expires.
    const crash = await inject(manager.cluster, { kind: 'crash-host-loud', target: 'primary' });
    const oldPrimary = crash.nodes[0]!;
    const failover = await awaitFailover(manager, `Patroni to promote a replica after ${oldPrimary}'s host crashed`, RECOVERY_MS);
    await verifyRecovered(ctx, writer, { repairT: failover.promotedT, withinMs: RECOVERY_MS, steadyTps });
    rec.step('writes back on the new leader', { failover });

    // The host boots; Patroni starts on it and rejoins it (pg_rewind when its timeline diverged).
    const healT = await crash.heal();
    const newTimeline = (await manager.view()).rows.find((r) => r.role === 'primary')?.timeline ?? null;
    const rejoined = await pollUntil(
      async () => {
        const v = await manager.view();
        const row = v.rows.find((r) => r.node === oldPrimary);
        return row?.role === 'standby' && row.timeline === newTimeline && (await manager.settled())
          ? { done: true, value: row }
          : { done: false, seen: v.error ?? viewTable(v.rows) };
      },
      {
        what: `Patroni to rejoin ${oldPrimary} as a replica streaming on timeline ${newTimeline}`,
        timeoutMs: RECOVERY_MS,
        intervalMs: 250,
      },
    );
    rec.step(`${oldPrimary} rejoined as a replica`, { row: rejoined });
    rec.metric('rejoinedAfterBootMs', Math.round(rec.clock.now() - healT), { unit: 'ms', better: 'lower' });
    // Writes went on through the rejoin: the new leader kept its sync standby.
    await holdFor(3000);
    verify(checkSustained(writer.samples(), { fromT: healT, toT: rec.clock.now(), steadyTps, fraction: 0.5 }));

    await verifyManagedConsistent(ctx, manager, writer, {
      lastHealT: healT,
      recoveryMs: RECOVERY_MS,
      failuresAtOnce: 1,
      hostCrashed: true,
    });
    // One failover, to the standby /sync named; the rejoin is no failover.
    verify(checkFailovers(manager.failovers, [{ from: oldPrimary, to: [sync], why: 'the sync standby in /sync (replication_modes.rst)' }]));
  },
  { managers: ['patroni'], patroni: { config: STRICT_PATRONI }, timeoutMs: 6 * 60_000 },
);
