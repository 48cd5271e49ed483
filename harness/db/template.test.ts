import { describe, expect, it } from 'vitest';
import { localSweepContext, OWNER_LABEL, OWNER_START_LABEL, ownership, processStartTime, RUN_LABEL } from '../docker.ts';
import type { PgImage } from './image.ts';
import {
  inVolume,
  settingIsOn,
  newTemplateName,
  templateKey,
  templateLabels,
  TEMPLATE_LABEL,
  templateOwnerPid,
  templateShape,
  type TemplateKeyInput,
} from './template.ts';

const image: PgImage = {
  name: 'pgchaos/postgres:15',
  major: 15,
  kind: 'pgchaos',
  binDir: '/usr/lib/postgresql/15/bin',
  keepAlive: undefined,
};
const input: TemplateKeyInput = {
  image,
  imageId: 'sha256:aaa',
  conf: "wal_level = 'replica'",
  hba: 'local all postgres peer',
  dataChecksums: false,
  replicationUser: 'replicator',
};

describe('templateKey', () => {
  it('is stable: the same configuration finds the same template', () => {
    expect(templateKey(input)).toBe(templateKey({ ...input }));
    expect(templateKey(input)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes with everything initdb or the first start writes', () => {
    const variants: TemplateKeyInput[] = [
      { ...input, image: { ...image, name: 'my/postgres:15' } },
      { ...input, image: { ...image, major: 16 } },
      { ...input, imageId: 'sha256:bbb' }, // the image rebuilt under the same name
      { ...input, conf: "wal_level = 'logical'" },
      { ...input, hba: 'local all all trust' },
      { ...input, dataChecksums: true },
      { ...input, replicationUser: 'repl' },
    ];
    const keys = new Set([templateKey(input), ...variants.map(templateKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });
});

describe('templateShape', () => {
  const settings = {
    wal_level: 'replica',
    synchronous_standby_names: 'ANY 1 (s1, s2)',
    synchronous_commit: 'remote_apply',
    wal_log_hints: true,
  };

  it('keeps the settings each cluster writes itself out of the template', () => {
    const shape = templateShape(settings, false, 'replicator');
    expect(shape.conf).toMatch(/wal_level = 'replica'/);
    expect(shape.conf).toMatch(/wal_log_hints = on/);
    expect(shape.conf).not.toMatch(/synchronous/);
    expect(shape.clusterConf).toMatch(/synchronous_standby_names = 'ANY 1 \(s1, s2\)'/);
    expect(shape.clusterConf).toMatch(/synchronous_commit = 'remote_apply'/);
  });

  it('gives clusters that differ only in those settings the same template', () => {
    const other = templateShape(
      { ...settings, synchronous_standby_names: 'FIRST 2 (s1, s2, s3)', synchronous_commit: 'on' },
      false,
      'replicator',
    );
    const key = (s: typeof other) => templateKey({ ...input, conf: s.conf, hba: s.hba, dataChecksums: s.dataChecksums });
    expect(key(other)).toBe(key(templateShape(settings, false, 'replicator')));
    expect(key(templateShape({ ...settings, wal_log_hints: false }, false, 'replicator'))).not.toBe(key(other));
  });

  it('admits the network the server is on, not a subnet a later cluster will not have', () => {
    const { hba } = templateShape(settings, true, 'replicator');
    expect(hba).toMatch(/^host replication replicator samenet scram-sha-256$/m);
    expect(hba).toMatch(/^host all all samenet scram-sha-256$/m);
    expect(hba).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
  });
});

describe('inVolume', () => {
  it('finds PGDATA in the volume official images declare, or below it', () => {
    expect(inVolume('/var/lib/postgresql/data', ['/var/lib/postgresql/data'])).toBe(true);
    expect(inVolume('/var/lib/postgresql/data', ['/var/lib/postgresql'])).toBe(true); // postgres:18
    expect(inVolume('/var/lib/postgresql/data', ['/var/lib/postgresql/'])).toBe(true);
  });
  it('does not confuse a sibling or a longer name with a parent', () => {
    expect(inVolume('/var/lib/postgresql/data', [])).toBe(false);
    expect(inVolume('/var/lib/postgresql/data', ['/var/lib/postgresql/data2', '/var/lib/postgres', '/srv'])).toBe(false);
  });
});

describe('templateOwnerPid', () => {
  const pids = { pid: 200, ppid: 100 };
  it('is vitest itself inside a forked vitest worker: one test file ending must not free the template for the next one to sweep', () => {
    expect(templateOwnerPid({ VITEST_POOL_ID: '1' }, true, pids)).toBe(100);
  });
  it('is this process elsewhere (a script, the bench, a worker thread)', () => {
    expect(templateOwnerPid({}, true, pids)).toBe(200);
    expect(templateOwnerPid({}, false, pids)).toBe(200);
    expect(templateOwnerPid({ VITEST_POOL_ID: '1' }, false, pids)).toBe(200);
  });
});

it('labels a template with its run, its owner and its key, so that sweeps find it', () => {
  const labels = templateLabels('20261124-000000-abcd', 'k1');
  expect(labels[RUN_LABEL]).toBe('20261124-000000-abcd');
  expect(labels[TEMPLATE_LABEL]).toBe('k1');
  expect(Number(labels[OWNER_LABEL])).toBe(templateOwnerPid());
  // The owner's start time (a vitest worker's template is owned by vitest, its parent): the sweep sees the run as live.
  if (process.platform === 'linux') expect(labels[OWNER_START_LABEL]).toBe(processStartTime(templateOwnerPid()));
  expect(ownership(labels, Date.now(), localSweepContext()).state).toBe('live');
  expect(newTemplateName('20261124-000000-abcd', 'k1')).toMatch(/^pgchaos\/template:20261124-000000-abcd-k1-[0-9a-f]{6}$/);
  expect(newTemplateName('20261124-000000-abcd', 'k1')).not.toBe(newTemplateName('20261124-000000-abcd', 'k1'));
});

describe('settingIsOn', () => {
  it('reads booleans as the server does', () => {
    for (const on of [true, 'on', 'ON', 'true', 'yes', '1', 1, undefined]) expect(settingIsOn(on)).toBe(true);
    for (const off of [false, 'off', 'OFF', 'false', 'no', '0', 0, 'f', 'n']) expect(settingIsOn(off)).toBe(false);
  });
});
