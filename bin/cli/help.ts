/** pgchaos's help texts: printed without touching the Docker engine. */

export const COMMANDS = ['run', 'soak', 'shrink', 'list', 'compare', 'merge-reports', 'image', 'doctor', 'prune', 'help'] as const;

export const EXIT_CODES =
  'exit codes: 0 every scenario passed · 1 a scenario failed · 2 usage, config or setup error · 130 interrupted (Ctrl-C;\n' +
  '129 terminal closed, 143 SIGTERM) · 3 every scenario passed but the reports folder is full (the report is incomplete);\n' +
  'a skipped scenario (its image lacks what it needs) neither passes nor fails: 2 when every scenario was skipped (nothing verified)';

/** The text of `pgchaos --help`, with the package version. */
export function mainHelp(version: string): string {
  return `pgchaos ${version} — chaos tests for PostgreSQL streaming-replication HA, on real containers

usage: pgchaos <command> [options]

commands:
  run [dir]       run your scenarios (dir, default ./scenarios) and the built-in ones against
                  your HA config (./pgchaos.config.json); reports go to ./reports/<run>/
  soak --seeds N  N random fault schedules (the nemesis story) back to back, a line per seed with
                  the command that replays it
  shrink RUN      cut each failing schedule of a run down to the faults that still fail it
  list [dir]      the scenarios and what each checks
  compare A B     what changed between two runs (verdict flips, metric deltas past thresholds);
                  exit 1 on a regression, so it gates an upgrade in CI
  merge-reports R...  join the report folders of a run split across CI jobs (--shard) into one
  image [MAJOR]   make the PostgreSQL image for MAJOR ready (local, pulled postgres:NN, or built
                  offline for 13, 15, 17); --save/--load DIR: an image cache for CI
  doctor          what this machine lacks and the command that fixes it; leftovers of crashed
                  runs (--remove removes them)
  prune           remove old run folders from ./reports (--keep N, --older-than DAYS)
  help [command]  this text, or a command's options (also: pgchaos <command> --help)

options:
  -h, --help      this text
  -v, --version   pgchaos's version

${EXIT_CODES}
Start with: pgchaos doctor, then pgchaos run. More: pgchaos run --help`;
}

export const RUN_HELP = `usage: pgchaos run [dir | file | name ...] [options] [-- vitest options]

Runs, as one vitest run, the scenario files (*.test.ts) under dir (default ./scenarios, when
present) and pgchaos's built-in scenarios, against your HA config. A positional that is a file
runs just that file; one that is neither file nor folder keeps the scenario files whose path
contains it. Reports: ./reports/<run>/ (index.html, summary.json, junit.xml, pgchaos.log)
and ./reports/latest.

Your HA config — pgchaos.config.json in this folder, or these flags (flags win):
  --config FILE               the config file (default ./pgchaos.config.json, when present)
  --pg MAJORS                 PostgreSQL majors, e.g. 15 (default) or 13,15,17: every scenario
                              runs once per major, and the report gets a matrix page (matrix.html)
  --manager NAME              the HA manager under test: builtin (pgchaos's own operator,
                              default), patroni, pg_auto_failover or pgpool (PostgreSQL 15 or
                              17; config pgpool: your pgpool.conf fragment), repmgr (13, 15 or
                              17; config repmgr: your repmgr.conf fragment). Stories not yet
                              written for the manager are skipped, saying so
  --image MAJOR=IMAGE         your own image for a major (repeatable); never pulled: load it first
  --standbys NAMES            standby names, e.g. s1,s2,s3 (default s1,s2)
  --sync SETTING              synchronous_standby_names, e.g. 'FIRST 1 (s1, s2)'
                              (default 'ANY 1 (<standbys>)'; '' for asynchronous replication)
  --synchronous-commit LEVEL  off | local | remote_write | on | remote_apply (default on)
  --data-checksums            initdb --data-checksums
  --conf FILE                 your postgresql.conf fragment, applied after pgchaos's settings
  --patroni-config FILE       your patroni.yml, under --manager patroni: checked, then each
                              node's per-node fields (name, addresses, DCS, credentials) added
  --clients N                 writer connections (default 8)
  --batch-rows N              rows per committed batch (default 1000)
  --rate N                    batches per second over all clients, like pgbench -R (default:
                              as fast as the primary commits; 200 under an async config in
                              the standby-loss matrix)
  --after-promotion POLICY    synchronous_standby_names of a promoted standby:
                              swap | same | a setting (default swap)
  --no-pull                   never pull the official postgres:NN (air-gapped runs): local
                              images only, pgchaos's built offline for 13, 15, 17 (also
                              "pull": false, or PGCHAOS_PULL=never)

The nemesis story (scenarios/nemesis.test.ts: random faults, the operator fails over):
  --seed SEEDS                seeds of its schedules: 42, 1,2,3 or 1-20 (default 1); the same
                              seed replays the same faults at the same times
  --schedule FILE             replay a saved schedule (e.g. a shrunk one) instead of a seed
  --duration S                faulty part of a drawn schedule, seconds (default 60)
  --promote POLICY            most-advanced (default) | least-advanced (unsafe on purpose)
  --kinds K,K                 fault kinds to draw (default: all but crash-host-loud,
                              stop-fast and wal-full; under a manager, the kinds of its
                              catalogue but crash-host-loud, checked before any container
                              starts); wal-full puts pg_wal on a 4 GB tmpfs per node (config
                              nemesis.walMountMb), in the engine's memory

The run:
  --out DIR                   reports folder (default ./reports)
  --no-builtin                only your scenarios, not pgchaos's built-in ones
  -h, --help                  this text

After --, vitest's own options: -t 'name pattern', --shard 1/2, --bail 1, a file filter.
A run split with --shard i/n across CI jobs is joined again by pgchaos merge-reports.

Examples:
  pgchaos run                                        your ./scenarios + the built-in suite
  pgchaos run --sync 'FIRST 1 (s1, s2)' --synchronous-commit remote_apply
  pgchaos run --no-builtin -- -t 'sync standby'      only yours, only matching tests
  pgchaos run quorum --out /tmp/pgchaos-reports      built-in files whose path contains "quorum"
  pgchaos run nemesis --seed 1-20 --duration 120     twenty random schedules, each replayable
  pgchaos run --pg 13,17                             the suite on both majors, then:
  pgchaos compare reports/<old run> reports/latest   what changed

Before vitest starts: the config is checked (a mistake is exit 2 with its fix, nothing runs),
a Docker engine must answer (DOCKER_HOST is honoured: one that does not answer is exit 2 at
once), and each major's PostgreSQL image is built if missing (about a minute each, once).
Ctrl-C: vitest is interrupted, then every container and network of the run is removed (exit 130).
A closed terminal (SIGHUP, exit 129) or kill (SIGTERM, exit 143) does the same; so does vitest
itself when the pgchaos process is killed outright. A closed stdout (pgchaos run | head) is ignored.
A full reports disk: the run says which folder is full and the fix, keeps what fitted (exit 3).

${EXIT_CODES}`;

export const LIST_HELP = `usage: pgchaos list [dir]

Lists your scenarios (dir, default ./scenarios) and pgchaos's built-in ones, each with what it
checks — the header comment at the top of the file.`;

export const IMAGE_HELP = `usage: pgchaos image [MAJOR...] [--no-pull | --build]
       pgchaos image --save DIR [MAJOR...]
       pgchaos image --load DIR [MAJOR...]

Makes each major's PostgreSQL image ready (default 15, or PGCHAOS_PG_MAJOR), in this order:
a local postgres:MAJOR; a local pgchaos/postgres:MAJOR; postgres:MAJOR pulled from its
registry (once; --no-pull or PGCHAOS_PULL=never forbid it, for air-gapped machines); else
pgchaos/postgres:MAJOR built offline from Debian's packages (13: bullseye, 15: bookworm,
17: trixie; needs root for debootstrap, about a minute, with a progress line every 10 s).
An image you name in "images" (or --image on pgchaos run) is used as is, never pulled.

An image cache for CI (e.g. GitHub's actions/cache on DIR):
  --save DIR   write each pgchaos/postgres image (MAJORs given, built first when missing; or
               every one present) to DIR as one file: <repo>-<major>-<recipe>-<image id>.tar.zst
               (.tar.gz without zstd), and remove older files of that major there
  --load DIR   load the files in DIR, skipping images already present. A file saved from
               another docker/ recipe (an older pgchaos) is stale: skipped, and replaced by the
               next --save. A corrupt file is an error naming it and the fix (exit 2).
  --no-pull    never pull postgres:MAJOR (same as PGCHAOS_PULL=never)
  --build      pgchaos/postgres:MAJOR itself, built offline when missing (not postgres:MAJOR)

In CI:
  npx pgchaos image --load .pgchaos-images
  npx pgchaos image --save .pgchaos-images 15     # builds only on a cache miss

Network faults (partitions) run iptables from a helper container in the node's network
namespace, so nodes on any image can be cut off. Its image: the node's own when it has
iptables, else any pgchaos/postgres image (pgchaos image --build 15), or PGCHAOS_NET_IMAGE.`;

export const DOCTOR_HELP = `usage: pgchaos doctor [--remove] [--config FILE]

Checks Node, the Docker engine (DOCKER_HOST, if set), your config, the PostgreSQL image and
the reports folder, and says the command that fixes each problem. Lists what crashed runs left
on the engine: containers and networks of runs whose process on this host is gone (or whose pid
now belongs to a later process), or whose lease has passed when another host (sharing the
engine) made them; the WAL tmpfs of a wal-full fault with its size (it is held in the engine's
memory, which docker stats does not show); template images of runs that ended.
  --remove        remove those leftovers (live runs, here or on other hosts, are kept)
  --config FILE   the config to check (default ./pgchaos.config.json, when present)
Exit 0 when ready, 2 when something needs fixing.`;

export const PRUNE_HELP = `usage: pgchaos prune [--keep N] [--older-than DAYS] [--out DIR] [--dry-run]

Removes old run folders (report, records, server logs) from the reports folder, which grows by
one folder per run, then rewrites its index.html. The run reports/latest points to is kept.
  --keep N           keep the N newest runs
  --older-than DAYS  remove only runs started more than DAYS days ago
                     (with both: a run goes when it is past the N newest and older than DAYS)
  --out DIR          the reports folder (default ./reports, or PGCHAOS_REPORTS_DIR)
  --dry-run          list what would be removed, remove nothing
Only folders named like a run id, or holding a run.json or summary.json, are considered.`;
