import { expect, test } from 'vitest';
import { catchupDeadlineMs, RECONNECT_ALLOWANCE_MS, REPLAY_FLOOR_BYTES_PER_SEC } from './catchup.ts';

test('the deadline grows with the WAL still to replay, on top of the reconnection allowance', () => {
  expect(catchupDeadlineMs(0)).toBe(RECONNECT_ALLOWANCE_MS);
  expect(catchupDeadlineMs(-5)).toBe(RECONNECT_ALLOWANCE_MS); // a standby ahead of the sample: nothing to replay
  expect(catchupDeadlineMs(REPLAY_FLOOR_BYTES_PER_SEC * 10)).toBe(RECONNECT_ALLOWANCE_MS + 10_000);
  expect(catchupDeadlineMs(40 * 1024 * 1024)).toBe(RECONNECT_ALLOWANCE_MS + 10_000); // the floor: 4 MiB/s
  expect(catchupDeadlineMs(10n * 1024n * 1024n, 1024 * 1024, 0)).toBe(10_000);
  expect(catchupDeadlineMs(1, 1000, 0)).toBe(1); // rounds up: never a zero deadline for WAL still to replay
});
