/**
 * Reads a schedule from JSON (a saved or shrunk schedule for `pgchaos run --schedule FILE`) and
 * checks every rule of rules.ts that can be seen without the cluster.
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.ts';
import {
  describeTarget,
  FAULT_KINDS,
  type Fault,
  type FaultParams,
  type FaultTarget,
  type Schedule,
  type ScheduledFault,
} from '../../history/fault.ts';
import { endOf, MAX_SEED, overlap, PARAM_HINT, PARAM_OF, STANDBY_ONLY, targetKey, targetsOf } from './rules.ts';

/** A whole number from `min` to `max`, with one message for every way to miss it. */
function wholeNumber(min: number, max: number, expected: string) {
  return z.number({ error: expected }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: expected });
}

const TargetSchema = z.union(
  [
    z.literal('primary'),
    z.strictObject({ standby: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'expected a standby index, a whole number from 0') }),
    z.strictObject({ node: z.string().min(1, { error: 'expected a node name' }) }),
  ],
  { error: 'expected "primary", { "standby": i } or { "node": "name" }' },
);

const ParamsSchema = z.strictObject({
  to: TargetSchema.optional(),
  groups: z
    .array(z.array(TargetSchema, { error: 'expected a group: an array of targets' }), { error: `expected ${PARAM_HINT.groups}` })
    .optional(),
  rate: z
    .number({ error: `expected ${PARAM_HINT.rate}` })
    .min(0, { error: `expected ${PARAM_HINT.rate}` })
    .max(1, { error: `expected ${PARAM_HINT.rate}` })
    .optional(),
  kbit: wholeNumber(1, Number.MAX_SAFE_INTEGER, `expected ${PARAM_HINT.kbit}`).optional(),
});

const FaultSchema = z.strictObject({
  id: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'expected a fault id, a whole number from 0'),
  kind: z.enum(FAULT_KINDS, { error: `expected a fault kind: ${FAULT_KINDS.join(', ')}` }),
  target: TargetSchema,
  params: ParamsSchema.optional(),
  atMs: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'expected whole ms from 0 (from the start of the schedule)'),
  durationMs: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'expected whole ms from 1'),
});

const ScheduleSchema = z.strictObject(
  {
    seed: wholeNumber(0, MAX_SEED, `expected a 32-bit unsigned integer (0 to ${MAX_SEED})`),
    durationMs: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'expected whole ms from 1'),
    recoveryMs: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'expected whole ms from 0'),
    faults: z.array(FaultSchema, { error: 'expected an array of faults' }),
  },
  { error: 'expected an object with seed, durationMs, recoveryMs and faults' },
) satisfies z.ZodType<Schedule>;

/** Something wrong at `path` (keys and indices into the schedule). */
interface Problem {
  path: PropertyKey[];
  message: string;
}

/** Most problems listed in one error; a file wrong throughout needs no 500-line message. */
const MAX_PROBLEMS_LISTED = 10;

/**
 * Parses a schedule read from JSON (e.g. a saved, shrunk schedule for `pgchaos run --schedule
 * FILE`) and returns it with its faults sorted by `atMs`, then `id`. It checks what
 * `generateSchedule` guarantees and can be seen without the cluster: the shape (no unknown
 * fields, kinds from FAULT_KINDS, well-formed targets, whole ms), distinct ids, every fault
 * healed by `durationMs` (the recovery window free), standby-only kinds not on the primary, each
 * kind's parameter present (`to`, `groups`, `rate` 0–1, `kbit`) and no other, a `to` other than
 * the target, split groups non-empty and disjoint, and no two faults on one target at once.
 * (Standby indices are not checked against a cluster's size: `{ standby: i }` wraps around.)
 * @throws ConfigError listing each problem with its path and value, e.g.
 *   `faults[2].params.rate 1.5: expected a fraction from 0 to 1`.
 */
export function validateSchedule(x: unknown): Schedule {
  const parsed = ScheduleSchema.safeParse(x);
  if (!parsed.success) throw scheduleError(x, parsed.error.issues.flatMap(issueProblems));
  const problems = scheduleProblems(parsed.data);
  if (problems.length > 0) throw scheduleError(x, problems);
  return { ...parsed.data, faults: [...parsed.data.faults].sort((a, b) => a.atMs - b.atMs || a.id - b.id) };
}

function scheduleError(input: unknown, problems: Problem[]): ConfigError {
  const lines = problems.slice(0, MAX_PROBLEMS_LISTED).map((p) => formatProblem(input, p));
  if (problems.length > lines.length) lines.push(`… and ${problems.length - lines.length} more`);
  return new ConfigError(
    `invalid schedule:\n  ${lines.join('\n  ')}`,
    'correct these fields, or replay a schedule that pgchaos saved (generated and shrunk schedules are valid)',
  );
}

/** A zod issue as problems: an unknown field gets its own path, so the message shows its value. */
function issueProblems(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown field' }));
  return [{ path: issue.path, message: issue.message }];
}

function formatProblem(input: unknown, p: Problem): string {
  const where = p.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('') || 'schedule';
  const value = p.path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    input,
  );
  const shown = value === undefined ? '(missing)' : JSON.stringify(value);
  return `${where} ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}: ${p.message}`;
}

/** The rules across fields and faults, on a schedule of the right shape. */
function scheduleProblems(s: Schedule): Problem[] {
  return [
    ...s.faults.flatMap((f, i) => faultProblems(f, ['faults', i], s.durationMs)),
    ...idProblems(s.faults),
    ...overlapProblems(s.faults),
  ];
}

function faultProblems(f: ScheduledFault, at: PropertyKey[], durationMs: number): Problem[] {
  const problems: Problem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path: [...at, ...path], message });
  if (f.atMs >= durationMs)
    add(['atMs'], `starts at or after the fault phase ends (durationMs ${durationMs}); the recovery window must be free of faults`);
  else if (endOf(f) > durationMs)
    add(
      ['durationMs'],
      `heals at ${endOf(f)} ms, after the fault phase ends (durationMs ${durationMs}); the recovery window must be free of faults`,
    );
  if (STANDBY_ONLY.has(f.kind) && f.target === 'primary')
    add(['target'], `${f.kind} acts on a standby's replication: expected { "standby": i } or { "node": "name" }`);
  const needed = PARAM_OF[f.kind];
  for (const key of Object.keys(f.params ?? {}) as (keyof FaultParams)[])
    if (key !== needed) add(['params', key], `${f.kind} takes no ${key}`);
  if (needed !== undefined && f.params?.[needed] === undefined) add(['params', needed], `${f.kind} needs ${PARAM_HINT[needed]}`);
  if (f.kind === 'one-way-loss' && f.params?.to !== undefined && targetKey(f.params.to) === targetKey(f.target))
    add(['params', 'to'], `expected ${PARAM_HINT.to}`);
  if (f.kind === 'split' && f.params?.groups)
    for (const p of groupProblems(f.params.groups)) add(['params', 'groups', ...p.path], p.message);
  return problems;
}

function groupProblems(groups: FaultTarget[][]): Problem[] {
  if (groups.length < 2) return [{ path: [], message: `expected ${PARAM_HINT.groups}` }];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  groups.forEach((group, g) => {
    if (group.length === 0) problems.push({ path: [g], message: 'expected a non-empty group' });
    group.forEach((t, i) => {
      if (seen.has(targetKey(t))) problems.push({ path: [g, i], message: 'named twice: a node is in one group only' });
      seen.add(targetKey(t));
    });
  });
  return problems;
}

/** Ids name faults in reports and through shrinking, so each must name one. */
function idProblems(faults: readonly ScheduledFault[]): Problem[] {
  const first = new Map<number, number>();
  return faults.flatMap((f, i) => {
    const j = first.get(f.id);
    if (j === undefined) first.set(f.id, i);
    return j === undefined ? [] : [{ path: ['faults', i, 'id'], message: `already the id of faults[${j}]` }];
  });
}

/**
 * No two faults on one target at once: the heal of one would undo or confuse the other (a
 * `stop-fast` healed by starting PostgreSQL inside a `freeze-host`, the `tc` rules of two
 * network faults on one interface replaced or deleted by whichever heals first).
 */
function overlapProblems(faults: readonly ScheduledFault[]): Problem[] {
  return faults.flatMap((b, j) =>
    faults.slice(0, j).flatMap((a, i) => {
      if (!overlap(a, b)) return [];
      const aKeys = new Set(targetsOf(a).map(targetKey));
      const shared = targetsOf(b).find((t) => aKeys.has(targetKey(t)));
      if (shared === undefined) return [];
      return [
        {
          path: ['faults', j, ...whereNamed(b, shared)],
          message: `hits ${describeTarget(shared)}, which faults[${i}] (id ${a.id}) holds from ${a.atMs} to ${endOf(a)} ms: faults on one target must not overlap`,
        },
      ];
    }),
  );
}

/** The path within `f` that names `t`: its target, `params.to` or `params.groups`. */
function whereNamed(f: Fault, t: FaultTarget): PropertyKey[] {
  if (targetKey(f.target) === targetKey(t)) return ['target'];
  return f.params?.to !== undefined && targetKey(f.params.to) === targetKey(t) ? ['params', 'to'] : ['params', 'groups'];
}
