import { describe, expect, it } from 'vitest';
import { repmgrConf, WITNESS } from './cluster.ts';
import { checkRepmgrConfig } from './config.ts';

const bin = '/usr/lib/postgresql/15/bin';

describe("a node's repmgr.conf", () => {
  it('carries what pgchaos writes per node and the docs-given commands', () => {
    const conf = repmgrConf(checkRepmgrConfig(undefined, ['pg0', 's1', 's2']), 's1', 2, 'c-s1', bin);
    const lines = conf.split('\n');
    expect(lines).toContain('node_id=2');
    expect(lines).toContain("node_name='s1'");
    expect(lines).toContain("conninfo='host=c-s1 port=5432 user=repmgr dbname=repmgr connect_timeout=2'");
    expect(lines).toContain("data_directory='/var/lib/postgresql/data'");
    expect(lines).toContain("failover='automatic'");
    expect(lines).toContain("promote_command='/usr/lib/postgresql/15/bin/repmgr standby promote -f /etc/repmgr/repmgr.conf --log-to-file'");
    expect(lines).toContain(
      "follow_command='/usr/lib/postgresql/15/bin/repmgr standby follow -f /etc/repmgr/repmgr.conf --log-to-file --upstream-node-id=%n'",
    );
    expect(lines).toContain("repmgrd_pid_file='/tmp/repmgrd.pid'");
    expect(lines.filter((l) => l.startsWith('service_')).map((l) => l.split('=')[0])).toEqual([
      'service_start_command',
      'service_stop_command',
      'service_restart_command',
      'service_reload_command',
    ]);
  });

  it('gives the witness the id after the database nodes and priority 0, as repmgr registers it', () => {
    const c = checkRepmgrConfig({ witness: true, priority: 50 }, ['pg0', 's1', 's2']);
    const lines = repmgrConf(c, WITNESS, 4, 'c-witness', bin).split('\n');
    expect(lines).toContain('node_id=4');
    expect(lines).toContain("node_name='witness'");
    expect(lines).toContain("conninfo='host=c-witness port=5432 user=repmgr dbname=repmgr connect_timeout=2'");
    expect(lines).toContain('priority=0');
  });

  it("carries the user's settings, the node's own priority, and doubles a single quote", () => {
    const c = checkRepmgrConfig(
      {
        failover: 'manual',
        reconnect_attempts: 3,
        reconnect_interval: 2,
        primary_visibility_consensus: true,
        nodes: { s2: { priority: 0 } },
      },
      ['pg0', 's1', 's2'],
    );
    const lines = repmgrConf(c, 's2', 3, "it's", bin).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        "failover='manual'",
        'priority=0',
        'reconnect_attempts=3',
        'reconnect_interval=2',
        'monitor_interval_secs=2',
        'primary_visibility_consensus=true',
        "conninfo='host=it''s port=5432 user=repmgr dbname=repmgr connect_timeout=2'",
      ]),
    );
  });
});
