/**
 * Patroni's own view of the cluster, typed: the JSON of its REST API `GET /cluster`
 * (patroni/utils.py `cluster_as_json`, Patroni 3.0.2), the same data `patronictl list` prints.
 */
import { z } from 'zod';

/** A member's role in Patroni 3.0.2: the leader lock holder, a sync standby of the DCS's /sync key, or another replica. */
export type PatroniRole = 'leader' | 'standby_leader' | 'sync_standby' | 'replica';

/** One member as `/cluster` lists it. */
export interface PatroniMember {
  name: string;
  role: PatroniRole;
  /**
   * The member's `state` in the DCS, e.g. `running`, `starting`, `stopped`, `creating replica`,
   * `start failed`, `crashed` (Patroni 3.0.2 has no `streaming` state yet; that came in 3.0.4).
   */
  state: string;
  /** Host name and port of its PostgreSQL, as the member registered them. */
  host?: string;
  port?: number;
  timeline?: number;
  /** Bytes behind the cluster's last known LSN (replicas only); `unknown` when the member reported none. */
  lag?: number | 'unknown';
  tags?: Record<string, unknown>;
}

/** `GET /cluster`: members sorted by name; `pause` when maintenance mode is on. */
export interface PatroniView {
  members: PatroniMember[];
  pause?: boolean;
  scheduled_switchover?: { at: string; from?: string; to?: string };
}

const memberSchema = z.looseObject({
  name: z.string(),
  role: z.enum(['leader', 'standby_leader', 'sync_standby', 'replica']),
  state: z.string(),
  host: z.string().optional(),
  port: z.number().optional(),
  timeline: z.number().optional(),
  lag: z.union([z.number(), z.literal('unknown')]).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
});
const viewSchema = z.looseObject({
  members: z.array(memberSchema),
  pause: z.boolean().optional(),
  scheduled_switchover: z.looseObject({ at: z.string(), from: z.string().optional(), to: z.string().optional() }).optional(),
});

/** Reads a `/cluster` answer. @throws Error naming what does not fit (another Patroni version's shape). */
export function parseView(json: unknown): PatroniView {
  const r = viewSchema.safeParse(json);
  if (!r.success)
    throw new Error(
      `Patroni's /cluster answer has an unexpected shape: ${r.error.issues[0]?.message} at ${r.error.issues[0]?.path.join('.')}`,
    );
  return r.data as PatroniView;
}

/** The running leader's name, or undefined when no member holds the leader lock and runs. */
export function leaderOf(view: PatroniView): string | undefined {
  return view.members.find((m) => m.role === 'leader' && m.state === 'running')?.name;
}

/** One line for timeouts and logs, like `patronictl list`: `pg0 leader running tl1; s1 sync_standby running lag 0; …`. */
export function describeView(view: PatroniView): string {
  if (!view.members.length) return 'no members registered';
  return view.members
    .map((m) =>
      [m.name, m.role, m.state, m.timeline === undefined ? '' : `tl${m.timeline}`, m.lag === undefined ? '' : `lag ${m.lag}`]
        .filter(Boolean)
        .join(' '),
    )
    .join('; ');
}
