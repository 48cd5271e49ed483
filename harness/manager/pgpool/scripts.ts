/**
 * The scripts pgpool-II runs in pgchaos's cluster, after the samples pgpool-II 4.3.5 ships
 * (/usr/share/doc/pgpool2/examples/scripts/: failover.sh.sample, follow_primary.sh.sample,
 * recovery_1st_stage.sample, pgpool_remote_start.sample; pgpool-II docs example-cluster.html),
 * with the same arguments and the same moves, and these differences, each for a reason:
 * - the promotion is `SELECT pg_promote()` over libpq from the pgpool host, where the sample runs
 *   `pg_ctl promote` over SSH: PostgreSQL ≥ 12 promotes by SQL (functions-admin.html), so the one
 *   move every failover needs does not depend on sshd on the node to be promoted;
 * - no replication slots (the samples create one per standby): pgchaos's clusters stream
 *   without slots, as its built-in cluster does; and no WAL archive (`restore_command` over scp);
 * - the standby's `primary_conninfo` is written by `pg_rewind -R` / `pg_basebackup -R` into
 *   postgresql.auto.conf, with `application_name` set to the node's name, so that
 *   `synchronous_standby_names` matches it; the samples write a `myrecovery.conf` included from
 *   postgresql.conf, which postgresql.auto.conf (read last) would override after pg_rewind copies
 *   the source's own;
 * - the deposed node's PostgreSQL is stopped before its data directory is removed (the
 *   recovery_1st_stage sample removes it under a running server).
 * pg_rewind, pg_basebackup and pg_ctl on another node run over passwordless SSH as postgres, as
 * in the samples ("Please setup passwordless SSH"), with the cluster's key.
 */

/** Where the scripts and keys live. */
export const PGPOOL_ETC = '/etc/pgchaos-pgpool';
/** The SSH key pgpool's scripts use between hosts (the samples' `id_rsa_pgpool`). */
export const SSH_KEY = '/var/lib/postgresql/.ssh/id_pgpool';
/** pcp's port (pgpool's default). */
export const PCP_PORT = 9898;
/** The pcp user pgchaos writes into pcp.conf (the samples' PCP_USER). */
export const PCP_USER = 'pgpool';

const SSH = `ssh -T -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i ${SSH_KEY}`;

/** What the scripts need to know of the cluster. */
export interface ScriptFacts {
  /** PostgreSQL's bin directory on every node (`/usr/lib/postgresql/15/bin`). */
  bin: string;
  /** Where each node's logs go (the run's log directory, mounted). */
  logDir: string;
}

/**
 * failover.sh (failover_command = `failover.sh %d %h %p %D %m %H %M %P %r %R %N %S`): when the
 * failed node is the primary, promotes the new main node `%m`, the live node with the smallest id
 * (runtime-config-failover.html: "%m is the new main node chosen by Pgpool-II. It is the node
 * being assigned the youngest (smallest) node id which is alive"), or under `pcp_promote_node -s`
 * the node it names; a standby's failure changes nothing.
 */
export function failoverScript(f: ScriptFacts): string {
  return `#!/bin/bash
# pgchaos: pgpool-II's failover.sh.sample, promoting by SQL (scripts.ts). Args: %d %h %p %D %m %H %M %P %r %R %N %S
FAILED_NODE_ID="$1"; FAILED_NODE_HOST="$2"; NEW_MAIN_NODE_ID="$5"; NEW_MAIN_NODE_HOST="$6"; OLD_PRIMARY_NODE_ID="$8"; NEW_MAIN_NODE_PORT="$9"
echo "failover.sh: start: failed_node_id=$FAILED_NODE_ID failed_host=$FAILED_NODE_HOST old_primary_node_id=$OLD_PRIMARY_NODE_ID new_main_node_id=$NEW_MAIN_NODE_ID new_main_host=$NEW_MAIN_NODE_HOST"
if [ "$NEW_MAIN_NODE_ID" -lt 0 ]; then echo "failover.sh: All nodes are down. Skipping failover."; exit 0; fi
if [ "$OLD_PRIMARY_NODE_ID" != "-1" ] && [ "$FAILED_NODE_ID" != "$OLD_PRIMARY_NODE_ID" ]; then
  echo "failover.sh: end: standby node is down. Skipping failover."; exit 0
fi
echo "failover.sh: primary node is down, promote new_main_node_id=$NEW_MAIN_NODE_ID on $NEW_MAIN_NODE_HOST."
if ! ${f.bin}/psql -X -qAt -h "$NEW_MAIN_NODE_HOST" -p "$NEW_MAIN_NODE_PORT" -U postgres -d postgres -c "SELECT pg_promote(true, 60)"; then
  echo "ERROR: failover.sh: end: failover failed"; exit 1
fi
echo "failover.sh: end: new_main_node_id=$NEW_MAIN_NODE_ID on $NEW_MAIN_NODE_HOST is promoted to a primary"
exit 0
`;
}

/**
 * follow_primary.sh (follow_primary_command = `follow_primary.sh %d %h %p %D %m %H %M %P %r %R`),
 * run by pgpool for each node it detached after a primary's failover: a node not running is
 * skipped (the docs: "already stopped node usually has a reason to be stopped"); a running one is
 * stopped, rewound to the new primary with pg_rewind (after a CHECKPOINT there, as the sample),
 * or cloned again with pg_basebackup when pg_rewind fails, started as its standby, and attached
 * again with `pcp_attach_node`.
 */
export function followPrimaryScript(f: ScriptFacts): string {
  return `#!/bin/bash
# pgchaos: pgpool-II's follow_primary.sh.sample (scripts.ts). Args: %d %h %p %D %m %H %M %P %r %R
NODE_ID="$1"; NODE_HOST="$2"; NODE_PORT="$3"; NODE_PGDATA="$4"; NEW_PRIMARY_NODE_ID="$5"; NEW_PRIMARY_NODE_HOST="$6"; NEW_PRIMARY_NODE_PORT="$9"
NODE_NAME="\${NODE_HOST##*-}"
SOURCE="host=$NEW_PRIMARY_NODE_HOST port=$NEW_PRIMARY_NODE_PORT user=postgres dbname=postgres application_name=$NODE_NAME"
echo "follow_primary.sh: start: Standby node $NODE_ID ($NODE_NAME) to follow node $NEW_PRIMARY_NODE_ID"
if ! ${f.bin}/pg_isready -q -h "$NODE_HOST" -p "$NODE_PORT"; then
  echo "follow_primary.sh: node_id=$NODE_ID is not running. skipping follow primary command"; exit 0
fi
${f.bin}/psql -X -q -h "$NEW_PRIMARY_NODE_HOST" -p "$NEW_PRIMARY_NODE_PORT" -U postgres -d postgres -c "CHECKPOINT"
echo "follow_primary.sh: pg_rewind for node $NODE_ID"
${SSH} postgres@"$NODE_HOST" "
  set -o errexit
  ${f.bin}/pg_ctl -w -m f -D $NODE_PGDATA stop
  ${f.bin}/pg_rewind -R -D $NODE_PGDATA --source-server='$SOURCE'
  ${f.bin}/pg_ctl -w -t 120 -D $NODE_PGDATA -l ${f.logDir}/$NODE_NAME-postgres.log start
"
if [ $? -ne 0 ]; then
  echo "follow_primary.sh: end: pg_rewind failed. Try pg_basebackup."
  ${SSH} postgres@"$NODE_HOST" "
    set -o errexit
    ${f.bin}/pg_ctl -D $NODE_PGDATA status >/dev/null && ${f.bin}/pg_ctl -w -m f -D $NODE_PGDATA stop
    rm -rf $NODE_PGDATA
    ${f.bin}/pg_basebackup -R -X stream -c fast -D $NODE_PGDATA -d '$SOURCE'
    ${f.bin}/pg_ctl -w -t 120 -D $NODE_PGDATA -l ${f.logDir}/$NODE_NAME-postgres.log start
  " || { echo "ERROR: follow_primary.sh: end: pg_basebackup failed"; exit 1; }
fi
if ! /usr/sbin/pcp_attach_node -w -h localhost -U ${PCP_USER} -p ${PCP_PORT} -n "$NODE_ID"; then
  echo "ERROR: follow_primary.sh: end: pcp_attach_node failed"; exit 1
fi
echo "follow_primary.sh: end: follow primary command is completed successfully"
exit 0
`;
}

/**
 * recovery_1st_stage (recovery_1st_stage_command; pgpool runs `$PGDATA/recovery_1st_stage` on the
 * primary through the pgpool_recovery extension, runtime-online-recovery.html) with its seven
 * arguments: the target's PostgreSQL stopped, its data directory cloned again from the primary by
 * pg_basebackup over SSH, as the sample.
 */
export function recoveryFirstStageScript(f: ScriptFacts): string {
  return `#!/bin/bash
# pgchaos: pgpool-II's recovery_1st_stage.sample (scripts.ts). Args: primary PGDATA, dest host, dest PGDATA, primary port, dest id, dest port, primary host
DEST_NODE_HOST="$2"; DEST_NODE_PGDATA="$3"; PRIMARY_NODE_PORT="$4"; DEST_NODE_ID="$5"; PRIMARY_NODE_HOST="$7"
DEST_NODE_NAME="\${DEST_NODE_HOST##*-}"
echo "recovery_1st_stage: start: pg_basebackup for Standby node $DEST_NODE_ID ($DEST_NODE_NAME) from $PRIMARY_NODE_HOST"
${SSH} postgres@"$DEST_NODE_HOST" "
  set -o errexit
  if ${f.bin}/pg_ctl -D $DEST_NODE_PGDATA status >/dev/null; then ${f.bin}/pg_ctl -w -m i -D $DEST_NODE_PGDATA stop; fi
  rm -rf $DEST_NODE_PGDATA
  ${f.bin}/pg_basebackup -R -X stream -c fast -D $DEST_NODE_PGDATA -d 'host=$PRIMARY_NODE_HOST port=$PRIMARY_NODE_PORT user=postgres application_name=$DEST_NODE_NAME'
" || { echo "ERROR: recovery_1st_stage: end: pg_basebackup failed. online recovery failed"; exit 1; }
echo "recovery_1st_stage: end: recovery_1st_stage is completed successfully"
exit 0
`;
}

/** pgpool_remote_start (`$PGDATA/pgpool_remote_start` on the primary; args: dest host, dest PGDATA): starts the recovered node over SSH. */
export function remoteStartScript(f: ScriptFacts): string {
  return `#!/bin/bash
# pgchaos: pgpool-II's pgpool_remote_start.sample (scripts.ts). Args: dest host, dest PGDATA
DEST_NODE_HOST="$1"; DEST_NODE_PGDATA="$2"; DEST_NODE_NAME="\${DEST_NODE_HOST##*-}"
echo "pgpool_remote_start: start: remote start Standby node $DEST_NODE_HOST"
${SSH} postgres@"$DEST_NODE_HOST" "
  ${f.bin}/pg_ctl -D $DEST_NODE_PGDATA status >/dev/null && exit 0
  ${f.bin}/pg_ctl -w -t 120 -D $DEST_NODE_PGDATA -l ${f.logDir}/$DEST_NODE_NAME-postgres.log start
" || { echo "ERROR: pgpool_remote_start: $DEST_NODE_HOST PostgreSQL start failed."; exit 1; }
echo "pgpool_remote_start: end: PostgreSQL on $DEST_NODE_HOST is started successfully."
exit 0
`;
}
