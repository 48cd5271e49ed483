/**
 * `pgchaos image`: make each major's image ready (local, pulled or built), or save pgchaos's
 * images to a folder and load them back (a CI cache).
 */
import { loadImages, saveImages, type CacheOutcome } from '../../harness/db/image-cache.ts';
import { defaultMajor, ensurePgchaosImage, parseMajor, resolveImage } from '../../harness/db/image.ts';
import { parseStrict, UsageError } from './args.ts';
import { IMAGE_HELP } from './help.ts';
import { ensureEngine } from '../../harness/run/lifecycle.ts';

/** What `pgchaos image …` asks for. */
export interface ImageArgs {
  help: boolean;
  /** `ready`: resolve each major's image; `save` / `load`: the cache folder `dir`. */
  mode: 'ready' | 'save' | 'load';
  dir?: string;
  /** Majors given; empty = the default (ready), or every one present / saved (save, load). */
  majors: number[];
  /** `--no-pull`: never pull postgres:NN (undefined: env PGCHAOS_PULL, else allowed). */
  pull?: false;
  /** `--build`: pgchaos's own image, built offline when missing (not postgres:NN, local or pulled). */
  build: boolean;
}

const IMAGE_OPTIONS = {
  save: { type: 'string' },
  load: { type: 'string' },
  'no-pull': { type: 'boolean' },
  build: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses `pgchaos image`'s arguments (without the `image`). Pure: no engine.
 * @throws UsageError for an unknown option, --save with --load, or a missing folder;
 *   ConfigError for a major that is not 12–18.
 */
export function parseImageArgs(argv: string[]): ImageArgs {
  const { values, positionals } = parseStrict(argv, IMAGE_OPTIONS, 'image');
  const v = values as { save?: string; load?: string; 'no-pull'?: boolean; build?: boolean; help?: boolean };
  if (v.save !== undefined && v.load !== undefined)
    throw new UsageError('--save and --load together', 'run pgchaos image --load DIR first, then pgchaos image --save DIR');
  if (v.build && (v.save !== undefined || v.load !== undefined))
    throw new UsageError(
      `--build with --${v.save !== undefined ? 'save' : 'load'}`,
      '--save builds a missing image itself; --load never builds: drop --build',
    );
  const dir = v.save ?? v.load;
  if (dir !== undefined && !dir.trim())
    throw new UsageError(
      `--${v.save !== undefined ? 'save' : 'load'} needs a folder`,
      'write it as --save DIR, e.g. --save .pgchaos-images',
    );
  return {
    help: v.help ?? false,
    mode: v.save !== undefined ? 'save' : v.load !== undefined ? 'load' : 'ready',
    ...(dir !== undefined ? { dir } : {}),
    majors: positionals.map(parseMajor),
    ...(v['no-pull'] ? { pull: false as const } : {}),
    build: v.build ?? false,
  };
}

/**
 * `pgchaos image [MAJOR...] [--no-pull | --build]`, `--save DIR [MAJOR...]`, `--load DIR [MAJOR...]`.
 * @returns 0 when every image is ready / saved / loaded (stale files skipped), 2 when one was
 *   refused or a file is corrupt (each printed with its fix).
 * @throws UsageError or ConfigError (exit 2) for bad arguments or no engine.
 */
export async function image(argv: string[]): Promise<number> {
  const a = parseImageArgs(argv); // mistakes are reported before the engine is touched
  if (a.help) {
    process.stdout.write(`${IMAGE_HELP}\n`);
    return 0;
  }
  await ensureEngine();
  if (a.mode === 'ready') {
    for (const major of a.majors.length ? a.majors : [parseMajor(defaultMajor())]) {
      const img = a.build
        ? await ensurePgchaosImage(major)
        : await resolveImage(major, { build: true, ...(a.pull === false ? { pull: false } : {}) });
      process.stdout.write(`${img.name} is ready (${img.kind})\n`);
    }
    return 0;
  }
  const majors = a.majors.length ? a.majors : undefined;
  const outcomes = a.mode === 'save' ? await saveImages(a.dir!, majors) : await loadImages(a.dir!, majors);
  return report(outcomes, a);
}

function report(outcomes: CacheOutcome[], a: ImageArgs): number {
  if (a.mode === 'load' && !outcomes.length)
    process.stdout.write(
      `no saved pgchaos images in ${a.dir}${a.majors.length ? ` for ${a.majors.join(', ')}` : ''} (a cold cache: nothing to load)\n`,
    );
  for (const o of outcomes) (o.problem ? process.stderr : process.stdout).write(`${o.problem ? 'pgchaos: ' : ''}${o.message}\n`);
  return outcomes.some((o) => o.problem) ? 2 : 0;
}
