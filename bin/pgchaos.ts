#!/usr/bin/env node
/**
 * pgchaos command line: run | soak | shrink | list | compare | merge-reports | image | doctor | prune | help (see cli/help.ts for the texts).
 * Help, --version and usage mistakes load nothing else: no engine, no testcontainers.
 * Exit codes: 0 passed, 1 a scenario failed, 2 usage/config/setup error, 3 passed but the reports folder is full,
 * 128 + signal when stopped (130 Ctrl-C, 129 SIGHUP, 143 SIGTERM).
 */
import { COMMANDS, DOCTOR_HELP, IMAGE_HELP, LIST_HELP, mainHelp, PRUNE_HELP, RUN_HELP } from './cli/help.ts';
import { nearestCommand } from './cli/args.ts';
import { ConfigError } from '../harness/errors.ts';
import { packageJson } from '../harness/paths.ts';

const [command, ...args] = process.argv.slice(2);
const out = (s: string) => process.stdout.write(`${s}\n`);
const version = () => packageJson().version;
const helps: Record<string, () => Promise<string>> = {
  run: async () => RUN_HELP,
  list: async () => LIST_HELP,
  compare: async () => (await import('./cli/compare.ts')).COMPARE_HELP,
  'merge-reports': async () => (await import('./cli/merge.ts')).MERGE_HELP,
  soak: async () => (await import('./cli/soak.ts')).SOAK_HELP,
  shrink: async () => (await import('./cli/shrink.ts')).SHRINK_HELP,
  image: async () => IMAGE_HELP,
  doctor: async () => DOCTOR_HELP,
  prune: async () => PRUNE_HELP,
};

async function main(): Promise<number> {
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? args[0] : undefined;
    if (topic && !helps[topic]) return unknownCommand(topic);
    out(topic ? await helps[topic]!() : mainHelp(version()));
    return 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    out(version());
    return 0;
  }
  switch (command) {
    case 'run':
      // Loaded before anything starts: under tsx, Ctrl-C also stops its compiler, after which nothing more can be imported.
      return (await import('./cli/run.ts')).run(args);
    case 'soak':
      return (await import('./cli/soak.ts')).soak(args);
    case 'shrink':
      return (await import('./cli/shrink.ts')).shrink(args);
    case 'list':
      return (await import('./cli/list.ts')).list(args);
    case 'compare':
      return (await import('./cli/compare.ts')).compare(args);
    case 'merge-reports':
      return (await import('./cli/merge.ts')).mergeReports(args);
    case 'image':
      return (await import('./cli/image.ts')).image(args);
    case 'doctor':
      return (await import('./cli/doctor.ts')).doctor(args);
    case 'prune':
      return (await import('./cli/prune.ts')).prune(args);
    default:
      return unknownCommand(command);
  }
}

function unknownCommand(typed: string): number {
  const near = nearestCommand(typed, COMMANDS);
  process.stderr.write(
    `pgchaos: unknown command "${typed}"${near ? ` — did you mean "${near}"?` : ''}\n  fix: use one of ${COMMANDS.join(', ')} (pgchaos --help)\n`,
  );
  return 2;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    // A ConfigError (UsageError is one) carries its fix in the message: print it, not a stack trace.
    const known = e instanceof ConfigError;
    process.stderr.write(`pgchaos: ${known ? e.message : (e?.stack ?? String(e))}\n`);
    process.exit(known ? 2 : 1);
  },
);
