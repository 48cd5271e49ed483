/** Number formats the checks' evidence describers share (the report prints their lines as they are). */

/** A count with thousands separators (`10,344`); anything not a number as text. */
export function fmtCount(x: unknown): string {
  return typeof x === 'number' ? Math.round(x).toLocaleString('en-US') : String(x);
}

/** ms on the scenario clock as seconds with two decimals (`45.20 s`); `—` for no number. */
export function fmtSeconds(ms: unknown): string {
  return typeof ms === 'number' ? `${(ms / 1000).toFixed(2)} s` : '—';
}
