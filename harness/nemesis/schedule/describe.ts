/** A schedule in a few readable lines, for the record and the terminal. */
import { describeFault, type Schedule } from '../../history/fault.ts';

/**
 * A few readable lines: a head line, then one line per fault with its start, duration, what it
 * does and its id, e.g.
 * ```
 * seed 42: 2 faults over 120 s, then 30 s of recovery
 *    +2.3 s  for 12.0 s  crash-host-silent primary  #0
 *   +12.3 s  for  4.0 s  packet-loss standby 1 25 %  #3
 * ```
 */
export function describeSchedule(s: Schedule): string {
  const count = `${s.faults.length} fault${s.faults.length === 1 ? '' : 's'}`;
  const head = `seed ${s.seed}: ${count} over ${seconds(s.durationMs)}, then ${seconds(s.recoveryMs)} of recovery`;
  const starts = s.faults.map((f) => `+${(f.atMs / 1000).toFixed(1)} s`);
  const lasts = s.faults.map((f) => `${(f.durationMs / 1000).toFixed(1)} s`);
  const width = (texts: string[]) => Math.max(0, ...texts.map((t) => t.length));
  const lines = s.faults.map(
    (f, i) => `  ${starts[i]!.padStart(width(starts))}  for ${lasts[i]!.padStart(width(lasts))}  ${describeFault(f)}  #${f.id}`,
  );
  return [head, ...lines].join('\n');
}

/** `120 s`, `0.5 s`: ms as seconds, at most one decimal. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
