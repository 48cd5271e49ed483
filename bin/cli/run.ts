/**
 * `pgchaos run`: checks everything it can before vitest starts (arguments, the user's config,
 * the reports folder, the scenario files, the engine, the image), then runs the scenarios as
 * one vitest run (vitest's Node API, in a child process: see vitest-child.ts) and maps the
 * outcome to pgchaos's exit codes.
 *
 * Ctrl-C: vitest runs in a process group of its own, so a terminal's Ctrl-C reaches only this
 * process, which interrupts vitest exactly once, waits for it to end, and then removes every
 * container and network labelled with the run (no worker is left to race the sweep). Exit 130.
 * A closed terminal (SIGHUP) or a `kill` (SIGTERM) stops the run the same way: exit 129 or 143.
 * Should this process die unannounced (SIGKILL), the child notices and does all that itself.
 * A stdout or stderr that is gone (`pgchaos run | head`) is ignored: the run goes on to its report.
 */
import { execa } from 'execa';
import { accessSync, constants, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
// Static imports only past this point: under tsx, Ctrl-C also stops its compiler, after which nothing can be loaded.
import { MODULE_EXT } from '../../harness/paths.ts';
import { configToEnv, configWarnings, loadUserConfig, type UserConfig } from '../../harness/run/config.ts';
import { finishRun, prepareRun } from '../../harness/run/lifecycle.ts';
import { currentRun, reportsDir } from '../../harness/run-id.ts';
import { configFlags, parseRunArgs, UsageError, type RunArgs } from './args.ts';
import { RUN_HELP } from './help.ts';
import { REPORTS_FULL_EXIT, STOP_SIGNALS, tolerateClosedOutput, type StopSignal } from './interrupt.ts';
import { builtinScenarioFiles, isDirectory, isFile, isScenarioFile, scenarioFiles } from './scenarios.ts';
import type { ChildPlan } from './vitest-child.ts';

const CHILD = fileURLToPath(new URL(`./vitest-child${MODULE_EXT}`, import.meta.url));

/** Which scenario files a run takes, decided before vitest starts. */
export interface Selection {
  files: string[];
  /** How many of `files` are the user's (the rest are built in). */
  mine: number;
  /** The user's folders that were searched. */
  dirs: string[];
}

/**
 * The scenario files `pgchaos run` runs: positionals that are files run just those; otherwise
 * the user's folders (positionals that are folders, else ./scenarios when present) plus the
 * built-in scenarios (unless --no-builtin); positionals that are neither keep the files whose
 * path contains them.
 * @throws UsageError when nothing is left to run, saying why.
 */
export function selectScenarios(
  a: Pick<RunArgs, 'paths' | 'noBuiltin'>,
  cwd: string,
  builtin: string[] = builtinScenarioFiles(),
): Selection {
  const dirs: string[] = [];
  const files: string[] = [];
  const names: string[] = [];
  for (const p of a.paths) {
    const abs = resolve(cwd, p);
    if (isDirectory(abs)) dirs.push(abs);
    else if (isFile(abs)) {
      if (!isScenarioFile(abs))
        throw new UsageError(
          `${p} is not a scenario file`,
          "name a *.test.ts file, a folder of them, or part of a scenario's name (pgchaos list shows them)",
        );
      files.push(abs);
    } else names.push(p);
  }
  const real = (f: string) => realpathSync(f);
  const builtinSet = new Set(builtin.map(real));
  let candidates: string[];
  if (files.length) candidates = [...files, ...dirs.flatMap(scenarioFiles)];
  else {
    if (!dirs.length && isDirectory(resolve(cwd, 'scenarios'))) dirs.push(resolve(cwd, 'scenarios'));
    candidates = [...dirs.flatMap(scenarioFiles), ...(a.noBuiltin ? [] : builtin)];
  }
  const unique = [...new Map(candidates.map((f) => [real(f), f])).values()];
  const kept = names.length ? unique.filter((f) => names.some((n) => f.includes(n) || relative(cwd, f).includes(n))) : unique;
  if (!kept.length) {
    if (names.length)
      throw new UsageError(
        `no scenario file matches ${names.map((n) => JSON.stringify(n)).join(' or ')}`,
        "pgchaos list shows the scenarios; a positional is a folder, a file, or part of a scenario file's path",
      );
    throw new UsageError(
      dirs.length
        ? `no scenario files (*.test.ts) in ${dirs.map((d) => relative(cwd, d) || '.').join(', ')}`
        : 'no scenarios of yours: there is no ./scenarios folder',
      'put your *.test.ts scenarios in ./scenarios (or name their folder: pgchaos run DIR), or drop --no-builtin to run the built-in ones',
    );
  }
  return { files: kept, mine: kept.filter((f) => !builtinSet.has(real(f))).length, dirs };
}

/**
 * Makes sure `dir` can receive reports: a folder (created if missing) that can be written.
 * @throws UsageError when it is a file, or cannot be created or written.
 */
export function prepareReportsDir(dir: string, cwd: string): void {
  const shown = relative(cwd, dir) || '.';
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(dir);
  } catch {
    /* missing: created below */
  }
  if (st && !st.isDirectory())
    throw new UsageError(
      `${shown} is a file, but reports are written into a folder of that name`,
      `move or rename ${shown}, or write the reports elsewhere: pgchaos run --out DIR`,
    );
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot write reports into ${shown} (${code}${code === 'ENOTDIR' || code === 'EEXIST' ? ': part of that path is a file' : ''})`,
      'pass a folder you can write to: pgchaos run --out DIR',
    );
  }
}

/**
 * `pgchaos run`: checks arguments, config, reports folder, engine, image and parameter names,
 * then runs the selected scenarios in a vitest child process and writes the report.
 * @returns the exit code: 0 every scenario passed, 1 a scenario failed, 2 nothing ran, 3 every scenario passed but the
 *   reports folder is full (the report is incomplete), 128 + signal number when
 *   stopped (129 SIGHUP, 130 SIGINT, 143 SIGTERM).
 * @throws UsageError or ConfigError (exit 2 at the top level) before vitest starts.
 */
export async function run(argv: string[]): Promise<number> {
  const a = parseRunArgs(argv);
  if (a.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  tolerateClosedOutput();
  const cwd = process.cwd();
  const config = loadUserConfig({ cwd, ...(a.configFile ? { file: a.configFile } : {}), overrides: a.overrides });
  const runDirFromEnv = a.out ? undefined : process.env.PGCHAOS_RUN_DIR;
  const out = a.out ? resolve(cwd, a.out) : runDirFromEnv ? dirname(resolve(runDirFromEnv)) : reportsDir();
  prepareReportsDir(out, cwd);
  const selection = selectScenarios(a, cwd);

  if (a.out) {
    process.env.PGCHAOS_REPORTS_DIR = out;
    delete process.env.PGCHAOS_RUN_DIR;
  }
  const r = currentRun(); // exports PGCHAOS_RUN_ID / PGCHAOS_RUN_DIR to vitest and its workers
  process.env.PGCHAOS_RUN_FLAGS = JSON.stringify(configFlags(argv)); // RUN_FLAGS_ENV (harness/run/context.ts), for rerun commands
  say(describeRun(r.id, selection, config, cwd));
  for (const w of configWarnings(config)) say(`warning: ${w}`);

  // Engine, images, and the config checked on them (a misspelt parameter, a value the server
  // refuses, an image that cannot be built): exit 2 here, before vitest and any scenario starts.
  await prepareRun(config, r);

  const plan: ChildPlan = { root: cwd, files: selection.files, vitestArgs: a.vitestArgs, runDir: r.dir };
  // Own process group (detached): a terminal's Ctrl-C reaches only this process, which interrupts vitest
  // exactly once and then sweeps, instead of racing vitest's workers for the containers.
  const child = execa(process.execPath, [...loaderFlags(), CHILD, JSON.stringify(plan)], {
    cwd,
    stdio: 'inherit',
    detached: true,
    reject: false,
    env: { ...configToEnv(config, r.dir), PGCHAOS_COMMAND: ['pgchaos', ...process.argv.slice(2)].join(' ') },
  });
  let interrupted: StopSignal | undefined;
  const onSignal = (sig: StopSignal) => {
    if (interrupted) return;
    interrupted = sig;
    process.stderr.write(`\npgchaos: ${sig}: stopping the run, then removing its containers and networks ...\n`);
    // SIGINT whatever came here: the child and its workers treat it as Ctrl-C (records marked interrupted, reporters finish).
    signalGroup(child.pid, 'SIGINT');
    setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 30_000).unref();
  };
  const signals = Object.keys(STOP_SIGNALS) as StopSignal[];
  for (const sig of signals) process.on(sig, onSignal);
  try {
    const result = await child;
    if (result.exitCode === undefined && !interrupted) {
      // Not started at all (spawn failed): say so rather than exit 1 with nothing written.
      process.stderr.write(`pgchaos: vitest could not be started (${result.code ?? result.shortMessage}): nothing ran\n`);
      return 2;
    }
    if (interrupted) {
      const { swept } = await finishRun(r, { report: true });
      const volumes = swept.volumes ? `, ${swept.volumes} volumes` : '';
      process.stderr.write(`pgchaos: removed ${swept.containers} containers and ${swept.networks} networks${volumes} of run ${r.id}\n`);
      return 128 + STOP_SIGNALS[interrupted];
    }
    const code = result.exitCode;
    return code === 0 || code === 1 || code === 2 || code === REPORTS_FULL_EXIT ? code : 1;
  } finally {
    for (const sig of signals) process.off(sig, onSignal);
  }
}

function describeRun(id: string, s: Selection, c: UserConfig, cwd: string): string {
  const what = [s.mine ? `${s.mine} of yours` : '', s.files.length - s.mine ? `${s.files.length - s.mine} built-in` : '']
    .filter(Boolean)
    .join(' + ');
  const sync = c.sync.text === '' ? "'' (asynchronous)" : `'${c.sync.text}'`;
  const source = c.source.includes(sep) ? relative(cwd, c.source) : c.source;
  const majors = c.pg.length > 1 ? `PostgreSQL ${c.pg.join(', ')} (each scenario once per major)` : `PostgreSQL ${c.pg[0]}`;
  return `run ${id}: ${s.files.length} scenario file${s.files.length === 1 ? '' : 's'} (${what}); ${majors}, synchronous_standby_names ${sync}, synchronous_commit ${c.synchronousCommit}; config: ${source}`;
}

function say(line: string): void {
  process.stderr.write(`pgchaos: ${line}\n`);
}

/** The node flags this process was started with (tsx's loader when run from sources), minus an --eval. */
export function loaderFlags(): string[] {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    if (['-e', '--eval', '-p', '--print'].includes(argv[i]!)) i++;
    else flags.push(argv[i]!);
  }
  return flags;
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  try {
    if (pid) process.kill(-pid, sig);
  } catch {
    /* already gone */
  }
}
