import { describe, expect, it } from 'vitest';
import { firstReadWrite, type Host, type HostCheck, parseMultiHostUri } from './multi-host.ts';

describe('multi-host connection string (libpq target_session_attrs=read-write)', () => {
  it('reads pg_autoctl show uri as 2.0 prints it, hosts in order', () => {
    const u = parseMultiHostUri('postgres://x-pg0:5432,x-s2:5432,x-s1:5432/postgres?target_session_attrs=read-write&sslmode=prefer');
    expect(u.hosts).toEqual([
      { host: 'x-pg0', port: 5432 },
      { host: 'x-s2', port: 5432 },
      { host: 'x-s1', port: 5432 },
    ]);
    expect(u).toMatchObject({ database: 'postgres', params: { target_session_attrs: 'read-write', sslmode: 'prefer' } });
    expect(parseMultiHostUri('postgresql://u@a,b:6000').hosts).toEqual([
      { host: 'a', port: 5432 },
      { host: 'b', port: 6000 },
    ]);
    expect(() => parseMultiHostUri('http://a')).toThrow(/not a multi-host postgres URI/);
  });

  const hosts: Host[] = ['pg0', 's1', 's2'].map((name) => ({ name, config: () => ({ host: name }) }));
  const checks = (m: Record<string, HostCheck>) => async (h: Host) => m[h.name]!;

  it('keeps the first host that accepts a read-write session, skipping refused and standby ones in order', async () => {
    const tried: string[] = [];
    const node = await firstReadWrite(hosts, async (h) => {
      tried.push(h.name);
      return { pg0: { ok: false, why: 'connect ECONNREFUSED' }, s1: { ok: true }, s2: { ok: true } }[h.name] as HostCheck;
    });
    expect(node.name).toBe('s1');
    expect(tried).toEqual(['pg0', 's1']);
    expect(
      (
        await firstReadWrite(
          hosts,
          checks({ pg0: { ok: false, why: 'in hot standby' }, s1: { ok: false, why: 'in hot standby' }, s2: { ok: true } }),
        )
      ).name,
    ).toBe('s2');
  });

  it('fails naming every host when none is read-write', async () => {
    await expect(
      firstReadWrite(
        hosts,
        checks({ pg0: { ok: false, why: 'timeout' }, s1: { ok: false, why: 'in hot standby' }, s2: { ok: false, why: 'in hot standby' } }),
      ),
    ).rejects.toThrow(
      'no host of the connection string accepts a read-write session (pg0: timeout; s1: in hot standby; s2: in hot standby)',
    );
  });
});
