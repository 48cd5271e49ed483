/**
 * The server-log symptoms the operator and the stories act on, against lines PostgreSQL 15
 * logged in pgchaos runs (copied from reports/<run>/logs), and lines that must not match.
 */
import { describe, expect, it } from 'vitest';
import { AHEAD_OF_UPSTREAM_SYMPTOM, DIVERGENCE_SYMPTOM } from './majors.ts';

const AHEAD =
  'walreceiver  FATAL:  could not receive data from WAL stream: ERROR:  requested starting point 0/4B000000 is ahead of the WAL flush position of this server 0/3F6A9EB0';
const NOT_IN_HISTORY =
  "FATAL:  could not receive data from WAL stream: ERROR:  requested starting point 0/5000000 on timeline 1 is not in this server's history";
const STREAMING = 'walreceiver  LOG:  started streaming WAL from primary at 0/4B000000 on timeline 2';

describe('log symptoms', () => {
  it('tells a standby ahead of its upstream on one timeline ID from one diverged onto another timeline', () => {
    expect(AHEAD_OF_UPSTREAM_SYMPTOM.test(AHEAD)).toBe(true);
    expect(DIVERGENCE_SYMPTOM.test(AHEAD)).toBe(false);
    expect(DIVERGENCE_SYMPTOM.test(NOT_IN_HISTORY)).toBe(true);
    expect(AHEAD_OF_UPSTREAM_SYMPTOM.test(NOT_IN_HISTORY)).toBe(false);
  });
  it('matches neither in a healthy log', () => {
    expect(AHEAD_OF_UPSTREAM_SYMPTOM.test(STREAMING) || DIVERGENCE_SYMPTOM.test(STREAMING)).toBe(false);
  });
});
