/** `pgchaos image [MAJOR]`: build the offline PostgreSQL image if it is missing. */
import { defaultMajor, parseMajor, resolveImage } from '../../harness/db/image.ts';
import { parseStrict } from './args.ts';
import { ensureEngine } from './engine.ts';
import { IMAGE_HELP } from './help.ts';

/**
 * `pgchaos image [MAJOR]`: builds pgchaos's offline image for MAJOR (default 15) when missing.
 * @returns 0 when the image is ready. @throws ConfigError (exit 2) for an unknown major or no engine.
 */
export async function image(argv: string[]): Promise<number> {
  const { values, positionals } = parseStrict(argv, { help: { type: 'boolean', short: 'h' } }, 'image');
  if (values.help) {
    process.stdout.write(`${IMAGE_HELP}\n`);
    return 0;
  }
  const major = parseMajor(positionals[0] ?? defaultMajor()); // a ConfigError before the engine is touched
  await ensureEngine();
  const img = await resolveImage(major, { build: true });
  process.stdout.write(`${img.name} is ready\n`);
  return 0;
}
