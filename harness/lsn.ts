/**
 * A WAL position as PostgreSQL prints it (`pg_lsn`): two hex halves, "16/B374D848".
 * Arithmetic is done on the 64-bit byte position, as `pg_wal_lsn_diff()` does.
 */
export type Lsn = string;

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Byte position of an LSN. Throws `TypeError` on text that is not an LSN. */
export function lsnToBigInt(lsn: Lsn): bigint {
  const m = LSN.exec(lsn);
  if (!m) throw new TypeError(`not an LSN: ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** `a - b` in bytes, like `pg_wal_lsn_diff(a, b)`. */
export function lsnDiff(a: Lsn, b: Lsn): bigint {
  return lsnToBigInt(a) - lsnToBigInt(b);
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareLsn(a: Lsn, b: Lsn): number {
  const d = lsnDiff(a, b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
