/**
 * The managed nemesis's kinds and limits (defaults.ts): the kinds it draws by default, and the
 * `nodesOut` limit that keeps a schedule within what the config's durability promise survives.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER_FAULT_KINDS, type ScheduledFault } from '../history/fault.ts';
import { MANAGED_DEFAULT_KINDS, MANAGED_NODE_OUT_KINDS, managedDefaultKinds, managedLimits } from './defaults.ts';
import { MANAGED_FAULT_KINDS } from './managed.ts';
import { generateSchedule } from './schedule/generate.ts';

const end = (f: ScheduledFault) => f.atMs + f.durationMs;
/** Most faults of the node-out kinds holding at one instant (touching counts, as rules.ts `overlap`). */
function mostOutAtOnce(faults: readonly ScheduledFault[]): number {
  const out = faults.filter((f) => MANAGED_NODE_OUT_KINDS.includes(f.kind));
  return Math.max(0, ...out.map((f) => out.filter((g) => g.atMs <= end(f) && f.atMs <= end(g) && g.atMs <= f.atMs).length));
}

describe('managed nemesis defaults', () => {
  it("draws every managed kind but the loud crash, the manager's own parts among them", () => {
    expect(MANAGED_DEFAULT_KINDS).not.toContain('crash-host-loud');
    expect(new Set([...MANAGED_DEFAULT_KINDS, 'crash-host-loud'])).toEqual(new Set(MANAGED_FAULT_KINDS));
    for (const k of MANAGER_FAULT_KINDS) expect(MANAGED_DEFAULT_KINDS).toContain(k);
  });

  it("draws, per manager, the default kinds its cluster has a part for: pg_auto_failover's monitor lost, no quorum loss, no proxy", () => {
    expect(managedDefaultKinds('patroni')).toEqual(MANAGED_DEFAULT_KINDS);
    const paf = managedDefaultKinds('pg_auto_failover');
    expect(paf).toEqual(MANAGED_DEFAULT_KINDS.filter((k) => k !== 'dcs-quorum-loss' && k !== 'kill-proxy'));
    expect(paf).toEqual(expect.arrayContaining(['dcs-kill', 'dcs-freeze', 'dcs-isolate', 'kill9-agent', 'freeze-agent']));
    for (let seed = 1; seed <= 20; seed++) {
      const s = generateSchedule(seed, managedLimits({ kinds: paf, standbys: 2, durationMs: 120_000, promise: { survivesFailures: 1 } }));
      for (const f of s.faults) expect(paf, `seed ${seed}`).toContain(f.kind);
    }
  });

  it('draws under repmgr only the node kinds and its agent: it has no DCS and no proxy', () => {
    expect(managedDefaultKinds('repmgr')).toEqual([
      'crash-host-silent',
      'kill9-postmaster',
      'freeze-host',
      'isolate',
      'kill9-agent',
      'freeze-agent',
    ]);
  });

  it('keeps at most as many database nodes out at once as a promise of one failure survives', () => {
    let unlimitedMost = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const one = generateSchedule(seed, managedLimits({ standbys: 2, durationMs: 120_000, promise: { survivesFailures: 1 } }));
      expect(mostOutAtOnce(one.faults), `seed ${seed}`).toBeLessThanOrEqual(1);
      const all = generateSchedule(seed, managedLimits({ standbys: 2, durationMs: 120_000, promise: { survivesFailures: 3 } }));
      unlimitedMost = Math.max(unlimitedMost, mostOutAtOnce(all.faults));
    }
    // Without the limit two at once do occur, so the check above can fail.
    expect(unlimitedMost).toBe(2);
  });

  it('sets no node limit for a promise of every failure or of none', () => {
    expect(managedLimits({ standbys: 2, durationMs: 60_000, promise: { survivesFailures: 3 } }).nodesOut).toBeUndefined();
    expect(managedLimits({ standbys: 2, durationMs: 60_000, promise: { survivesFailures: 0 } }).nodesOut).toBeUndefined();
    expect(managedLimits({ standbys: 2, durationMs: 60_000, promise: { survivesFailures: 1 } }).nodesOut).toEqual({
      kinds: MANAGED_NODE_OUT_KINDS,
      max: 1,
    });
  });

  it('refuses a node limit below 1', () => {
    const limits = {
      ...managedLimits({ standbys: 2, durationMs: 60_000, promise: { survivesFailures: 3 } }),
      nodesOut: { kinds: [], max: 0 },
    };
    expect(() => generateSchedule(1, limits)).toThrow('limits.nodesOut.max 0 is out of range');
  });
});
