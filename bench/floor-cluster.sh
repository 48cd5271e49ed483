#!/usr/bin/env bash
# The floor for `npm run bench`: the least work any bring-up of the same three-node quorum
# cluster can do with the raw docker CLI. Three hosts of the same image start on data
# directories that are already made (a primary and two standbys, each a Docker volume), so no
# initdb, no base backup and no copying is timed; then the primary, then both standbys (a
# standby started before its primary accepts connections retries only after
# wal_retrieve_retry_interval, 5 s), until both stream with sync_state quorum.
#
# usage: bench/floor-cluster.sh prepare IMAGE VOLS LABEL         once, untimed: volumes VOLS-master-{p,s1,s2}
#        bench/floor-cluster.sh copy IMAGE VOLS ROUND NAME LABEL untimed: fresh copies VOLS-ROUND-{p,s1,s2} for cluster NAME
#        bench/floor-cluster.sh run IMAGE NAME LABEL VOLS-ROUND  timed: prints nothing, exit 0 when ready
# Every volume carries the label pgchaos.run=LABEL (remove with: docker volume rm $(docker volume ls -qf label=pgchaos.run=LABEL)).
set -euo pipefail
# The same settings as the harness's base settings that matter here (bench/cluster.conf).
conf=$(cat "$(dirname "$0")/cluster.conf")
PGDATA=/var/lib/postgresql/data

# A copy of a cleanly stopped primary is a valid standby (docs: backup-file.html, warm-standby.html):
# standby.signal and where to stream from are all it lacks.
prepare() {
  local image=$1 vols=$2 label=$3 prep=pgchaos-floor-prep-$$
  for n in p s1 s2; do docker volume create --label "pgchaos.run=$label" "$vols-master-$n" >/dev/null; done
  docker run -d --name "$prep" --label "pgchaos.run=$label" --label "pgchaos.owner-pid=$PPID" \
    -v "$vols-master-p:/m/p" -v "$vols-master-s1:/m/s1" -v "$vols-master-s2:/m/s2" "$image" sleep infinity >/dev/null
  trap "docker rm -fv $prep >/dev/null" EXIT
  docker exec "$prep" sh -ec 'chown postgres:postgres /m/p /m/s1 /m/s2; chmod 700 /m/p /m/s1 /m/s2'
  docker exec -u postgres "$prep" sh -ec "echo secret > /tmp/pw; initdb -D /m/p -U postgres --pwfile=/tmp/pw --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
cat >> /m/p/postgresql.conf <<CONF
$conf
CONF
printf 'local all postgres peer\nhost replication replicator samenet scram-sha-256\nhost all all samenet scram-sha-256\n' > /m/p/pg_hba.conf
pg_ctl -D /m/p -l /tmp/pg.log -w start >/dev/null
psql -Xqc \"SET synchronous_commit = local; CREATE ROLE replicator REPLICATION LOGIN PASSWORD 'secret'\"
pg_ctl -D /m/p -m fast -w stop >/dev/null
for s in s1 s2; do
  cp -a /m/p/. /m/\$s/
  touch /m/\$s/standby.signal
  echo \"primary_conninfo = 'host=NAME-p user=replicator password=secret application_name=\$s'\" >> /m/\$s/postgresql.auto.conf
done"
}

copy() {
  local image=$1 vols=$2 round=$3 name=$4 label=$5 mounts=()
  for n in p s1 s2; do
    docker volume create --label "pgchaos.run=$label" "$vols-$round-$n" >/dev/null
    mounts+=(-v "$vols-master-$n:/m/$n" -v "$vols-$round-$n:/r/$n")
  done
  docker run --rm --label "pgchaos.run=$label" --label "pgchaos.owner-pid=$PPID" "${mounts[@]}" "$image" sh -ec "
for n in p s1 s2; do cp -a /m/\$n/. /r/\$n/; chown postgres:postgres /r/\$n; chmod 700 /r/\$n; done
sed -i 's/host=NAME-p /host=$name-p /' /r/s1/postgresql.auto.conf /r/s2/postgresql.auto.conf"
}

run() {
  local image=$1 name=$2 label=$3 vols=$4
  docker network create --label "pgchaos.run=$label" --label "pgchaos.owner-pid=$PPID" "$name" >/dev/null
  for n in p s1 s2; do
    docker run -d --name "$name-$n" --network "$name" --label "pgchaos.run=$label" --label "pgchaos.owner-pid=$PPID" \
      -p 127.0.0.1::5432 -v "$vols-$n:$PGDATA" "$image" >/dev/null &
  done
  wait
  x() { docker exec -u postgres "$name-$1" sh -ec "$2"; }
  x p "pg_ctl -D $PGDATA -l /tmp/pg.log -w start >/dev/null"
  for s in s1 s2; do
    x "$s" "pg_ctl -D $PGDATA -l /tmp/pg.log -w start >/dev/null" &
  done
  wait
  until [ "$(x p "psql -XAtc \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'quorum'\"")" = 2 ]; do sleep 0.05; done
}

"$@"
