/**
 * `pgchaos soak --seeds N --duration T`: N nemesis schedules back to back (seeds FROM … FROM+N-1),
 * one `pgchaos run` of the built-in nemesis story, then a line per seed: passed or failed, the
 * faults it injected, the failovers, acknowledged batches lost, the longest write outage past the
 * moment nodes enough to commit had no fault (checks/readings/write-availability.ts; reported, not judged), and
 * the command that replays it.
 * Bounded in count (N) and in time (each seed's story has a 10-minute limit): it stops by itself.
 */
import { basename } from 'node:path';
import type { WriteAvailability } from '../../harness/checks/readings/write-availability.ts';
import { readRun } from '../../harness/report/report.ts';
import { currentRun } from '../../harness/run-id.ts';
import { parseStrict, UsageError } from './args.ts';
import { run } from './run.ts';
import { builtinScenarioFiles } from './scenarios.ts';

export const SOAK_HELP = `pgchaos soak --seeds N [--from SEED] [--duration S] [run's options]

Runs the nemesis story (random faults, the operator fails over) for N seeds back to back,
SEED (default 1) to SEED+N-1, each schedule S seconds of faults (default 120) and a recovery
window, then prints a line per seed with its replay command. Any of pgchaos run's options
(--config, --sync, --pg, --promote, --out, …) apply to every seed.

Exit codes: 0 every seed passed, 1 a seed failed, 2 a usage or setup error, 3 every seed passed
but the reports folder is full, 130 interrupted (129 terminal closed, 143 SIGTERM).

Example:
  pgchaos soak --seeds 20 --duration 120
  pgchaos soak --seeds 10 --promote least-advanced     an unsafe operator: finds the loss`;

const SOAK_OPTIONS = {
  seeds: { type: 'string' },
  from: { type: 'string' },
  duration: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * `pgchaos soak`. @returns the run's exit code. @throws UsageError for bad flags (exit 2).
 */
export async function soak(argv: string[]): Promise<number> {
  const ours = argv.filter((_, i) => isOurs(argv, i));
  const rest = argv.filter((_, i) => !isOurs(argv, i));
  const { values } = parseStrict(ours, SOAK_OPTIONS, 'soak');
  const v = values as { seeds?: string; from?: string; duration?: string; help?: boolean };
  if (v.help) {
    process.stdout.write(`${SOAK_HELP}\n`);
    return 0;
  }
  if (v.seeds === undefined)
    throw new UsageError('pgchaos soak needs --seeds N: how many schedules to run', 'write it as pgchaos soak --seeds 20');
  const n = whole('--seeds', v.seeds, 1, 1000);
  const from = whole('--from', v.from ?? '1', 0, 0xffff_ffff - n + 1);
  const durationS = whole('--duration', v.duration ?? '120', 10, 3600);
  const owned = rest.find((a) => /^--(seed|schedule)(=|$)/.test(a));
  if (owned)
    throw new UsageError(
      `pgchaos soak draws its own seeds; ${owned.split('=')[0]} would replace them`,
      'use --seeds N --from SEED, or pgchaos run nemesis --seed … for chosen seeds',
    );
  const story = builtinScenarioFiles().find((f) => basename(f) === 'nemesis.test.ts');
  if (!story) throw new UsageError('the built-in nemesis story is missing from this installation', 'reinstall pgchaos');
  const code = await run([story, '--seed', `${from}-${from + n - 1}`, '--duration', String(durationS), ...rest]);
  if (code === 2) return code;
  const { records } = await readRun(currentRun().dir);
  const lines = records
    .filter((r) => r.seed !== undefined)
    .sort((a, b) => a.seed! - b.seed! || a.major - b.major)
    .map((r) => {
      const n = r.nemesis;
      const lost = typeof r.metrics.lostAcked === 'number' ? r.metrics.lostAcked : '?';
      return `  seed ${String(r.seed).padEnd(10)} pg${r.major}  ${r.status.padEnd(11)} ${String(n?.injected?.length ?? '?').padStart(2)} faults  ${n?.failovers?.length ?? '?'} failovers  ${lost} acked lost  ${overdue(n?.writeAvailability)} s writes out while they could be   replay: ${r.rerun}`;
    });
  process.stderr.write(
    `pgchaos soak: ${records.filter((r) => r.status === 'passed').length} of ${lines.length} seeds passed\n${lines.join('\n')}\n`,
  );
  return code;
}

/** The longest time writes stayed out while they could have been back, s with one decimal ('?' when not recorded). */
function overdue(a: WriteAvailability | undefined): string {
  return a ? ((a.worst?.overdueMs ?? 0) / 1000).toFixed(1) : '?';
}

/** Whether argv[i] is one of soak's own flags or its value. */
function isOurs(argv: string[], i: number): boolean {
  const own = (a: string | undefined) => a !== undefined && /^--(seeds|from|duration)(=|$)|^(-h|--help)$/.test(a);
  if (own(argv[i])) return true;
  const prev = argv[i - 1];
  return own(prev) && !prev!.includes('=') && prev !== '-h' && prev !== '--help';
}

function whole(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new UsageError(
      `${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`,
      `write it as ${flag} ${min === 0 ? 1 : min}`,
    );
  return Number(text);
}
