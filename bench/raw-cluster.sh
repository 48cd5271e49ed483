#!/usr/bin/env bash
# The baseline for `npm run bench`: the same three-node quorum cluster as Cluster.start(),
# brought up with the raw docker CLI and no harness: network, three hosts, initdb, the same
# settings, pg_basebackup of both standbys in parallel (as the harness does), until both
# standbys are streaming with sync_state quorum. Prints nothing; exit 0 when ready.
# usage: bench/raw-cluster.sh IMAGE NAME RUN_LABEL   (remove with: docker rm -f NAME-{p,s1,s2}; docker network rm NAME)
set -euo pipefail
# The same settings as the harness's base settings that matter here (bench/cluster.conf).
conf=$(cat "$(dirname "$0")/cluster.conf")
image=$1 name=$2 label=$3
docker network create --label "pgchaos.run=$label" --label "pgchaos.owner-pid=$PPID" "$name" >/dev/null
for n in p s1 s2; do
  docker run -d --name "$name-$n" --network "$name" --label "pgchaos.run=$label" --label "pgchaos.owner-pid=$PPID" -p 127.0.0.1::5432 "$image" >/dev/null &
done
wait
x() { docker exec -u postgres "$name-$1" sh -ec "$2"; }
subnet=$(docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' "$name")
x p "echo secret > /tmp/pw; initdb -D \$PGDATA -U postgres --pwfile=/tmp/pw --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
cat >> \$PGDATA/postgresql.conf <<CONF
$conf
CONF
printf 'local all postgres peer\nhost replication replicator $subnet scram-sha-256\nhost all all $subnet scram-sha-256\n' > \$PGDATA/pg_hba.conf
pg_ctl -D \$PGDATA -l /tmp/pg.log -w start >/dev/null
psql -Xqc \"SET synchronous_commit = local; CREATE ROLE replicator REPLICATION LOGIN PASSWORD 'secret'\""
for s in s1 s2; do
  x "$s" "PGPASSWORD=secret pg_basebackup -d 'host=$name-p user=replicator application_name=$s' -D \$PGDATA -X stream -R -c fast
pg_ctl -D \$PGDATA -l /tmp/pg.log -w start >/dev/null" &
done
wait
until [ "$(x p "psql -XAtc \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'quorum'\"")" = 2 ]; do sleep 0.05; done
