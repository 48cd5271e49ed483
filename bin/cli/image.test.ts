import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../harness/errors.ts';
import { UsageError } from './args.ts';
import { IMAGE_HELP } from './help.ts';
import { parseImageArgs } from './image.ts';

const mistake = (argv: string[]) => {
  try {
    parseImageArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no error');
};

describe('pgchaos image: arguments', () => {
  it('ready mode: majors, --no-pull, --build', () => {
    expect(parseImageArgs([])).toEqual({ help: false, mode: 'ready', majors: [], build: false });
    expect(parseImageArgs(['13', '17', '--no-pull'])).toEqual({ help: false, mode: 'ready', majors: [13, 17], pull: false, build: false });
    expect(parseImageArgs(['--build', '15'])).toMatchObject({ mode: 'ready', majors: [15], build: true });
    expect(parseImageArgs(['-h']).help).toBe(true);
  });

  it('cache modes: --save DIR [MAJOR...], --load DIR [MAJOR...]', () => {
    expect(parseImageArgs(['--save', '.pgchaos-images', '15'])).toEqual({
      help: false,
      mode: 'save',
      dir: '.pgchaos-images',
      majors: [15],
      build: false,
    });
    expect(parseImageArgs(['--load=/cache'])).toEqual({ help: false, mode: 'load', dir: '/cache', majors: [], build: false });
  });

  it('mistakes say what to write, before any engine is asked', () => {
    expect(mistake(['--save', 'a', '--load', 'a']).message).toMatch(
      /--save and --load together[\s\S]*fix: run pgchaos image --load DIR first/,
    );
    expect(mistake(['--save'])).toBeInstanceOf(UsageError);
    expect(mistake(['--save']).message).toMatch(/--save needs a value/);
    expect(mistake(['--load='])).toBeInstanceOf(UsageError);
    expect(mistake(['--sav', 'x']).message).toMatch(/unknown option --sav[\s\S]*did you mean --save\?/);
    expect(mistake(['--build', '--save', 'x']).message).toMatch(/--build with --save/);
    expect(mistake(['--save', 'x', '11']).message).toMatch(/unknown PostgreSQL major version "11"/);
  });

  it('the help names every option', () => {
    for (const o of ['--save DIR', '--load DIR', '--no-pull', '--build', 'PGCHAOS_PULL=never', 'PGCHAOS_NET_IMAGE'])
      expect(IMAGE_HELP).toContain(o);
  });
});
