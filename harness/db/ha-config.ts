/**
 * The HA configuration a cluster is built with: pgchaos's base settings (replication, WAL,
 * logging), rendered into postgresql.conf, and the pg_hba.conf that admits only the cluster network.
 */

/** The settings every cluster starts from (docs: runtime-config-replication.html, runtime-config-wal.html). */
export function baseSettings(sync: string): Record<string, string | number | boolean> {
  return {
    listen_addresses: '*',
    max_connections: 100,
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    // No slots (as in the seeds): keep enough WAL for a standby that is down for a minute under load.
    wal_keep_size: '2GB',
    max_wal_size: '1GB',
    hot_standby: true,
    hot_standby_feedback: true,
    // pg_rewind needs hint-bit changes WAL-logged (or data checksums).
    wal_log_hints: true,
    synchronous_commit: 'on',
    synchronous_standby_names: sync,
    // Standbys report write/flush/replay positions every second instead of every 10 s.
    wal_receiver_status_interval: '1s',
    password_encryption: 'scram-sha-256',
    log_line_prefix: '%m [%p] %b %a ',
    log_replication_commands: true,
  };
}

export function renderConf(settings: Record<string, string | number | boolean>): string {
  const quote = (v: string | number | boolean) =>
    typeof v === 'boolean' ? (v ? 'on' : 'off') : typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`;
  return ['# pgchaos', ...Object.entries(settings).map(([k, v]) => `${k} = ${quote(v)}`)].join('\n');
}

/** pg_hba.conf: the postgres OS user on the socket; everything over TCP from the cluster network only, with scram-sha-256. */
export function renderHba(subnet: string, replicationUser: string): string {
  return [
    'local all postgres peer',
    `host replication ${replicationUser} ${subnet} scram-sha-256`,
    `host all all ${subnet} scram-sha-256`,
  ].join('\n');
}
