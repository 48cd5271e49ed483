import { describe, expect, it } from 'vitest';
import {
  EXPIRES_LABEL,
  HOST_LABEL,
  hostIdentity,
  localSweepContext,
  noEngine,
  OWNER_LABEL,
  OWNER_START_LABEL,
  ownership,
  processStartTime,
  RUN_LABEL,
  runLabels,
  type SweepContext,
} from './docker.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');
const HERE = 'ci-7/3f1c0a2e-0000-4000-8000-000000000001/4026531836';
const THERE = 'ci-9/9d2b7c11-0000-4000-8000-000000000002/4026531836';
/** This host runs pid 100 only, a process started at tick 5000. */
const ctx: SweepContext = {
  host: HERE,
  now: NOW,
  leaseMs: 12 * HOUR,
  pidAlive: (pid) => pid === 100,
  pidStart: (pid) => (pid === 100 ? '5000' : undefined),
};
const labels = (host: string | undefined, pid: string, expires?: string) => ({
  [RUN_LABEL]: '20261125-110000-abcd',
  [OWNER_LABEL]: pid,
  ...(host === undefined ? {} : { [HOST_LABEL]: host }),
  ...(expires === undefined ? {} : { [EXPIRES_LABEL]: expires }),
});
const created = NOW - HOUR;

describe('which objects a sweep of crashed runs removes', () => {
  it('this host: by whether the owner process runs', () => {
    expect(ownership(labels(HERE, '100'), created, ctx)).toMatchObject({ state: 'live', sweep: false });
    expect(ownership(labels(HERE, '200'), created, ctx)).toMatchObject({
      state: 'crashed',
      sweep: true,
      why: expect.stringMatching(/process 200 on this host is gone/),
    });
    // A lease does not protect a crashed run of this host, nor does an unreadable pid.
    expect(ownership(labels(HERE, '200', '2099-01-01T00:00:00Z'), created, ctx).sweep).toBe(true);
    expect(ownership(labels(HERE, 'x'), created, ctx).state).toBe('crashed');
  });

  it('this host: a live pid is the owner only if it started when the label says (pids are reused)', () => {
    const started = (start: string | undefined, expires?: string) => ({
      ...labels(HERE, '100', expires),
      ...(start === undefined ? {} : { [OWNER_START_LABEL]: start }),
    });
    expect(ownership(started('5000'), created, ctx)).toMatchObject({ state: 'live', sweep: false });
    expect(ownership(started('4000'), created, ctx)).toMatchObject({
      state: 'crashed',
      sweep: true,
      why: expect.stringMatching(/pid 100 now belongs to a process started later/),
    });
    // No start time recorded (older pgchaos): the pid is trusted until the lease ends, not forever.
    expect(ownership(started(undefined, new Date(NOW + HOUR).toISOString()), created, ctx)).toMatchObject({ state: 'live', sweep: false });
    expect(ownership(started(undefined, new Date(NOW - 1).toISOString()), created, ctx)).toMatchObject({ state: 'expired', sweep: true });
    expect(ownership(started(undefined), NOW - 13 * HOUR, ctx)).toMatchObject({ state: 'expired', sweep: true });
  });

  it("reads a real process's start time: this process with another start time is not this run", () => {
    if (process.platform !== 'linux') return;
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(processStartTime(process.ppid)).not.toBe(processStartTime(process.pid));
    const mine = runLabels('r1');
    expect(ownership(mine, Date.now(), localSweepContext()).state).toBe('live');
    const reused = { ...mine, [OWNER_START_LABEL]: String(Number(mine[OWNER_START_LABEL]) - 1) };
    expect(ownership(reused, Date.now(), localSweepContext())).toMatchObject({ state: 'crashed', sweep: true });
  });

  it('another host sharing the engine: never by pid, only once its lease has passed', () => {
    // pid 200 is not alive here, but it is another machine's pid: its live cluster must stay.
    const live = ownership(labels(THERE, '200', new Date(NOW + HOUR).toISOString()), created, ctx);
    expect(live).toMatchObject({ state: 'foreign', sweep: false, why: expect.stringContaining(`host ${THERE}`) });
    // Even a pid that happens to be alive here says nothing about the other host.
    expect(ownership(labels(THERE, '100', new Date(NOW - 1).toISOString()), created, ctx)).toMatchObject({ state: 'expired', sweep: true });
    expect(ownership(labels(THERE, '200', new Date(NOW).toISOString()), created, ctx).sweep).toBe(true);
  });

  it('a different boot or pid namespace of the same hostname is another host', () => {
    const rebooted = HERE.replace('3f1c0a2e', '77777777');
    const otherContainer = HERE.replace(/\d+$/, '4026532000');
    for (const host of [rebooted, otherContainer])
      expect(ownership(labels(host, '200', new Date(NOW + HOUR).toISOString()), created, ctx).state).toBe('foreign');
  });

  it('objects without owner-host or expiry label (older pgchaos): leased from their creation', () => {
    expect(ownership(labels(undefined, '200'), NOW - 11 * HOUR, ctx)).toMatchObject({
      state: 'foreign',
      why: expect.stringMatching(/unknown host/),
    });
    expect(ownership(labels(undefined, '200'), NOW - 13 * HOUR, ctx)).toMatchObject({ state: 'expired', sweep: true });
    expect(ownership(labels(THERE, '200', 'not a date'), NOW - 13 * HOUR, ctx).state).toBe('expired');
    // No creation time either: kept, there is nothing to decide by.
    expect(ownership(labels(undefined, '200'), Number.NaN, ctx)).toMatchObject({ state: 'foreign', sweep: false });
  });

  it('runLabels name this process, this host and a lease from now', () => {
    process.env.PGCHAOS_LEASE_HOURS = '2';
    try {
      const l = runLabels('r1', NOW);
      expect(l).toEqual({
        [RUN_LABEL]: 'r1',
        [OWNER_LABEL]: String(process.pid),
        [OWNER_START_LABEL]: processStartTime(process.pid),
        [HOST_LABEL]: hostIdentity(),
        [EXPIRES_LABEL]: new Date(NOW + 2 * HOUR).toISOString(),
      });
      // What this process labels, it sees as its own and live.
      expect(ownership(l, NOW, localSweepContext(NOW)).state).toBe('live');
    } finally {
      delete process.env.PGCHAOS_LEASE_HOURS;
    }
    if (process.platform === 'linux') expect(hostIdentity()).toMatch(/^[^/]+\/[0-9a-f-]{36}\/\d+$/);
  });
});

describe('no engine', () => {
  it('names DOCKER_HOST when it is set, and the local engine script otherwise', () => {
    const remote = noEngine('Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?', 'tcp://127.0.0.1:1');
    expect(remote.message).toMatch(
      /no Docker engine answers at DOCKER_HOST=tcp:\/\/127\.0\.0\.1:1 \(Cannot connect[\s\S]*fix: start that engine or correct DOCKER_HOST; or unset DOCKER_HOST/,
    );
    expect(remote.message).not.toMatch(/engine\.sh/);
    expect(noEngine('', '').message).toMatch(/no Docker engine answers \(docker info failed\)[\s\S]*fix: run `bash \S*docker\/engine\.sh`/);
  });
});
