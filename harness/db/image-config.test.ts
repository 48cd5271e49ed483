/**
 * The up-front checks of a user's postgresql.conf that need no container: the server's
 * `postgres --check` output read (captured from pgchaos/postgres:15), md5 against pgchaos's
 * pg_hba.conf, and renamed parameters.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUserConfig } from '../run/config.ts';
import { checkParameterNames } from './ha-config.ts';
import { parseCheckOutput, refusalError } from './image-config.ts';

const image = {
  name: 'pgchaos/postgres:15',
  major: 15,
  kind: 'pgchaos' as const,
  binDir: '/usr/lib/postgresql/15/bin',
  keepAlive: undefined,
};

// postgres --check -D … on pgchaos/postgres:15 (15.18), as measured.
const WAL_LEVEL = `2026-12-06 08:50:43.924 UTC [28] LOG:  invalid value for parameter "wal_level": "replicaa"
2026-12-06 08:50:43.924 UTC [28] HINT:  Available values: minimal, replica, logical.
2026-12-06 08:50:43.925 UTC [28] FATAL:  configuration file "/tmp/tmp.D9lAEcoodo/data/postgresql.conf" contains errors
rc:1`;
const SHARED_BUFFERS = `2026-12-06 08:50:43.978 UTC [36] FATAL:  could not map anonymous shared memory: Cannot allocate memory
2026-12-06 08:50:43.978 UTC [36] HINT:  This error usually means that PostgreSQL's request for a shared memory segment exceeded available memory.
rc:1`;

describe('parseCheckOutput and refusalError: the server refusal, with its HINT, naming the file and parameter', () => {
  it('reads the error, the HINT and the parameter, and nothing from a check that passed', () => {
    expect(parseCheckOutput('rc:0')).toBeUndefined();
    expect(parseCheckOutput('initdb-failed')).toBeUndefined();
    expect(parseCheckOutput(WAL_LEVEL)).toEqual({
      errors: ['invalid value for parameter "wal_level": "replicaa"'],
      hints: ['Available values: minimal, replica, logical.'],
      parameter: 'wal_level',
    });
    expect(parseCheckOutput(SHARED_BUFFERS)?.parameter).toBeUndefined();
  });
  it("names the user's file and parameter, and gives the server's HINT as the fix", () => {
    const e = refusalError(parseCheckOutput(WAL_LEVEL)!, image, { wal_level: 'replicaa' }, '/p/ha.conf');
    expect(e.problem).toBe(
      'PostgreSQL 15 (pgchaos/postgres:15) refuses /p/ha.conf: wal_level = "replicaa": invalid value for parameter "wal_level": "replicaa"',
    );
    expect(e.fix).toBe("the server's HINT: Available values: minimal, replica, logical. Correct wal_level in /p/ha.conf");
    const mem = refusalError(parseCheckOutput(SHARED_BUFFERS)!, image, { shared_buffers: '1TB' }, '/p/ha.conf');
    expect(mem.message).toMatch(
      /refuses with your postgresql.conf fragment \/p\/ha.conf: could not map anonymous shared memory[\s\S]*fix: the server's HINT: This error usually means/,
    );
  });
});

describe('password_encryption = md5 against pgchaos pg_hba.conf (scram-sha-256)', () => {
  it('is refused up front, naming the fragment, the method and the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-md5-'));
    writeFileSync(join(dir, 'ha.conf'), "password_encryption = 'md5'\n");
    expect(() => loadUserConfig({ cwd: dir, overrides: { postgresqlConf: 'ha.conf' } })).toThrow(
      new RegExp(
        `${dir}/ha.conf: password_encryption = md5 stores md5 password hashes, but pgchaos's pg_hba.conf authenticates every TCP connection with scram-sha-256[\\s\\S]*fix: remove password_encryption`,
      ),
    );
    writeFileSync(join(dir, 'ha.conf'), "password_encryption = 'scram-sha-256'\n");
    expect(() => loadUserConfig({ cwd: dir, overrides: { postgresqlConf: 'ha.conf' } })).not.toThrow();
    rmSync(dir, { recursive: true });
    // Cluster.start's own check, and PostgreSQL 13's boolean alias of md5.
    expect(() => checkParameterNames({ password_encryption: 'MD5' }, new Set(['password_encryption']), 15)).toThrow(
      /stores md5 password hashes/,
    );
    expect(() => checkParameterNames({ password_encryption: 'on' }, new Set(['password_encryption']), 13)).toThrow(
      /stores md5 password hashes/,
    );
  });
});

describe('a parameter renamed between majors', () => {
  it('gets the new name and the converted value, not a guess', () => {
    const known = new Set(['wal_keep_size', 'wal_level']);
    expect(() => checkParameterNames({ wal_keep_segments: '64' }, known, 15)).toThrow(
      /PostgreSQL 15 has no parameter "wal_keep_segments"[\s\S]*fix: PostgreSQL 13 renamed wal_keep_segments to wal_keep_size: write wal_keep_size = 1024MB \(64 × 16 MB segments\)/,
    );
    expect(() => checkParameterNames({ wal_keep_size: '1GB' }, new Set(['wal_keep_segments']), 12)).toThrow(
      /wal_keep_size is the name from PostgreSQL 13 on; PostgreSQL 12 calls it wal_keep_segments/,
    );
  });
});
