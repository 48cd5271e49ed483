/**
 * What a story needs of its image (`ScenarioOptions.needs`, e.g. `['pg_rewind']`), against what
 * the run's images lack. The global setup probes each major's image once, before any cluster
 * starts, names what it lacks once, and hands that to the workers (vitest's provide/inject);
 * a story whose need its image lacks is skipped with the reason (JUnit: `<skipped/>` and a
 * `skipped` property), and the rest run.
 */
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';
import type { ImageNeed, ImageProbe, PgImage } from '../db/image.ts';

/** What one major's image lacks: the image and each missing need with what needs it. */
export interface ImageLack {
  image: string;
  missing: ImageProbe['missing'];
}

/** Major (as text) → what its image lacks; a major whose image lacks nothing is absent. */
export type ImageLacks = Record<string, ImageLack>;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by the global setup (harness/run/global-setup.ts): what each major's image lacks. */
    pgchaosImageLacks: ImageLacks;
  }
}

/** Adds what `probe` says `image` lacks to `lacks`. @returns one line naming it for the user, or undefined when it lacks nothing. */
export function noteImageLacks(lacks: ImageLacks, image: PgImage, probe: Pick<ImageProbe, 'missing'>): string | undefined {
  if (!probe.missing.length) return undefined;
  lacks[String(image.major)] = { image: image.name, missing: probe.missing };
  const what = probe.missing.map((m) => `${m.binary} (${m.neededFor})`).join(', ');
  const needs = probe.missing.map((m) => `'${m.binary}'`).join(', ');
  return `image ${image.name} (PostgreSQL ${image.major}) has no ${what}: the stories that need it (needs: [${needs}]) are skipped, the rest run; install it in the image to run them`;
}

/** Hands `lacks` to the workers of `project` (call it in a global setup). */
export function provideImageLacks(project: TestProject, lacks: ImageLacks): void {
  project.provide('pgchaosImageLacks', lacks);
}

/**
 * Why a story that needs `needs` cannot run on `major`'s image, or undefined when it can (or
 * when no global setup said what the images lack: the story then runs and fails on its own).
 */
export function unmetNeeds(
  needs: readonly ImageNeed[] | undefined,
  major: number,
  lacks: ImageLacks | undefined = inject('pgchaosImageLacks'),
): string | undefined {
  const lack = lacks?.[String(major)];
  const unmet = (needs ?? []).filter((n) => lack?.missing.some((m) => m.binary === n));
  if (!lack || !unmet.length) return undefined;
  return `skipped: it needs ${unmet.join(', ')}, which image ${lack.image} (PostgreSQL ${major}) lacks; install it in the image to run this story`;
}
