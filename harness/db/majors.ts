/**
 * What differs between PostgreSQL majors, in one place: parameter names, which settings a
 * reload applies, and the log and tool messages the scenarios read. Every entry names the
 * release that changed it and where PostgreSQL documents it. Majors 12–18 are accepted
 * (standby.signal replaced recovery.conf in 12).
 */

/**
 * How much WAL the primary keeps for a standby without a replication slot. PostgreSQL 13
 * replaced `wal_keep_segments` (a count of 16 MB WAL files) with `wal_keep_size`
 * (release notes 13, E.x "Rename configuration parameter wal_keep_segments to wal_keep_size";
 * runtime-config-replication.html).
 */
export function walKeepSetting(major: number): Record<string, string | number> {
  return major >= 13 ? { wal_keep_size: '2GB' } : { wal_keep_segments: 128 };
}

/** A server parameter renamed between majors: `old` until `major`, `now` from it. */
interface Renamed {
  old: string;
  now: string;
  major: number;
  /** How an old value reads in the new parameter. */
  convert: (value: string) => string;
}

/**
 * Parameters renamed between the majors pgchaos runs (release notes 13: "Rename configuration
 * parameter wal_keep_segments to wal_keep_size"; a count of 16 MB WAL files became a size).
 */
const RENAMED: readonly Renamed[] = [
  {
    old: 'wal_keep_segments',
    now: 'wal_keep_size',
    major: 13,
    convert: (v) => (/^\d+$/.test(v) ? `${Number(v) * 16}MB (${v} × 16 MB segments)` : 'its size in MB (segments × 16 MB)'),
  },
];

/**
 * The hint for a parameter `name` (set to `value`) that `major` does not know because it was
 * renamed: "PostgreSQL 13 renamed wal_keep_segments to wal_keep_size: write wal_keep_size = …",
 * or, for the new name on an older major, the name it had there.
 * @returns the hint, or undefined when `name` was not renamed.
 */
export function renamedHint(name: string, value: string, major: number): string | undefined {
  const gone = RENAMED.find((r) => r.old === name && major >= r.major);
  if (gone)
    return `PostgreSQL ${gone.major} renamed ${gone.old} to ${gone.now}: write ${gone.now} = ${gone.convert(value)} in your postgresql.conf fragment`;
  const early = RENAMED.find((r) => r.now === name && major < r.major);
  if (early)
    return `${early.now} is the name from PostgreSQL ${early.major} on; PostgreSQL ${major} calls it ${early.old}: set ${early.old} in your postgresql.conf fragment`;
  return undefined;
}

/**
 * Whether a reload applies a changed `primary_conninfo` / `primary_slot_name` to a running
 * standby: from 13 on (the walreceiver restarts with the new value); before 13 they could be
 * set only at server start (release notes 13: "Allow primary_conninfo and primary_slot_name
 * to be changed without a restart").
 */
export function reloadAppliesPrimaryConninfo(major: number): boolean {
  return major >= 13;
}

/**
 * Whether `log_min_duration_sample` exists (added in 13, runtime-config-logging.html): a
 * session that must not log its statements turns it off too.
 */
export function hasLogMinDurationSample(major: number): boolean {
  return major >= 13;
}

/**
 * What a standby logs when it is asked to follow a timeline it has diverged from (its WAL went
 * past the new timeline's fork point). The walreceiver's wording ("requested starting point …
 * is not in this server's history", walsender.c) is the same in 12–17; the startup process's
 * variants ("… forked off current database system timeline …", "… forked from timeline …",
 * xlog.c / xlogrecovery.c from 15) appear depending on where recovery stands.
 */
export const DIVERGENCE_SYMPTOM =
  /requested starting point \S+ on timeline \d+ is not in this server's history|forked off current database system timeline|forked from timeline/;

/**
 * What a standby logs when its WAL is past its upstream's on the timeline both call by one ID
 * (walsender.c, same wording 12–17: "requested starting point … is ahead of the WAL flush
 * position of this server …"). Without cascading it means two histories share a timeline ID:
 * a promotion cut short (the node chose timeline N+1, then died) and another standby promoted
 * to N+1 too, as neither saw the other's history file. pg_rewind compares timeline IDs only and
 * finds nothing to rewind ("no rewind required"): only a new base backup brings it back.
 */
export const AHEAD_OF_UPSTREAM_SYMPTOM = /requested starting point \S+ is ahead of the WAL flush position of this server/;

/**
 * pg_rewind's refusal of a target that WAL-logs no hint bits (pg_rewind.c, same wording 12–17):
 * `target server needs to use either data checksums or "wal_log_hints = on"`.
 */
export const REWIND_REFUSAL = /target server needs to use either data checksums or "wal_log_hints = on"/;

/**
 * What a standby's walreceiver logs when the primary no longer has the WAL it asks for: the
 * segment was recycled (no replication slot held it and it was past `wal_keep_size`). The
 * standby cannot stream again without a WAL archive: "the standby will need to be reinitialized
 * from a new base backup" (warm-standby.html#STREAMING-REPLICATION). Wording from xlog.c's
 * CheckXLogRemoved, same in 12–17.
 */
export const WAL_REMOVED = /requested WAL segment \S+ has already been removed/;
