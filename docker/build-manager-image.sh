#!/usr/bin/env bash
# Build the image of an HA manager for one PostgreSQL major, offline like pgchaos's own image:
# FROM the local pgchaos/postgres:MAJOR (built first by build-image.sh when missing), plus the
# manager's packages from the same Debian suite (Dockerfile.MANAGER.in). No registry is touched.
#
# usage: docker/build-manager-image.sh MANAGER MAJOR      (MANAGER: patroni, pg_auto_failover, repmgr, pgpool)
# Idempotent: does nothing when pgchaos/postgres-MANAGER:MAJOR exists. Exit 2 (before anything is
# built) when the suite of MAJOR lacks a package at the version the manager's support needs.
# Env: PGCHAOS_IMAGE_REPO (default pgchaos/postgres), as build-image.sh.
#
# The versions installed (dpkg-query) are kept in the image at /usr/share/pgchaos/manager-versions
# and in its label org.pgchaos.manager-versions, so a report can name them without a container.
set -euo pipefail

manager=${1:?usage: docker/build-manager-image.sh MANAGER MAJOR (MANAGER: patroni, pg_auto_failover, repmgr, pgpool)}
major=${2:?usage: docker/build-manager-image.sh MANAGER MAJOR (MAJOR: 15 or 17)}
say() { printf 'pgchaos image: %s\n' "$*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)

case "$manager" in
  patroni) packages="patroni python3-etcd python3-psycopg2 etcd-server haproxy"
    # What each suite ships (apt-cache madison, 2026-12-06). Patroni's support here needs
    # `patroni --validate-config` and the etcd3 (v3 API) client of Patroni 3, and etcd >= 3.4.
    case "$major" in
      15) ;; # bookworm: patroni 3.0.2, etcd-server 3.4.23, haproxy 2.6.12 (tested)
      17) ;; # trixie: patroni 4.0.7, etcd-server 3.5.16, haproxy 3.0.11 (not yet tested)
      13) say "Debian bullseye (PostgreSQL 13) ships patroni 2.0.2 and etcd-server 3.3.25; pgchaos's Patroni needs patroni >= 3.0 and etcd >= 3.4: use PostgreSQL 15 (bookworm: patroni 3.0.2, etcd 3.4.23)"; exit 2 ;;
      *) say "PostgreSQL $major has no Debian suite here; a Patroni image is built for 15 (bookworm) or 17 (trixie)"; exit 2 ;;
    esac ;;
  pg_auto_failover) packages="pg-auto-failover-cli postgresql-$major-auto-failover"
    # pg_autoctl (pg-auto-failover-cli) and the pgautofailover extension the monitor and every
    # node load (postgresql-NN-auto-failover), from the suite that ships PostgreSQL NN.
    case "$major" in
      15) ;; # bookworm: pg-auto-failover-cli 2.0-2+b1, postgresql-15-auto-failover 2.0-2+b1 (tested)
      17) ;; # trixie: postgresql-17-auto-failover (not yet tested)
      13) say "Debian bullseye (PostgreSQL 13) ships no pg_auto_failover package (no pg-auto-failover-cli, no postgresql-13-auto-failover): use PostgreSQL 15 (bookworm: pg-auto-failover 2.0) or 17 (trixie)"; exit 2 ;;
      *) say "PostgreSQL $major has no Debian suite here; a pg_auto_failover image is built for 15 (bookworm) or 17 (trixie)"; exit 2 ;;
    esac ;;
  repmgr) packages="postgresql-$major-repmgr repmgr-common"
    # repmgr and repmgrd (postgresql-NN-repmgr, built for PostgreSQL NN) and their common files,
    # from the suite that ships PostgreSQL NN. repmgr has no DCS or monitor: nothing else is needed.
    case "$major" in
      15) ;; # bookworm: postgresql-15-repmgr 5.3.3-2, repmgr-common 5.3.3-2 (tested)
      13) ;; # bullseye: postgresql-13-repmgr 5.2.0-2 (not yet tested)
      17) ;; # trixie: postgresql-17-repmgr 5.5.0+debpgdg-1 (not yet tested)
      *) say "PostgreSQL $major has no Debian suite here; a repmgr image is built for 13 (bullseye), 15 (bookworm) or 17 (trixie)"; exit 2 ;;
    esac ;;
  pgpool) packages="pgpool2 postgresql-$major-pgpool2 openssh-server openssh-client"
    # pgpool, the pcp_* commands and pg_md5 (pgpool2), and the pgpool_recovery extension online
    # recovery needs on every node (postgresql-NN-pgpool2), from the suite that ships PostgreSQL NN;
    # ssh and sshd, which pgpool's sample follow_primary.sh, recovery_1st_stage and
    # pgpool_remote_start use between the hosts ("passwordless SSH", pgpool-II docs example-cluster).
    # pgchaos's pgpool.conf needs pgpool-II >= 4.2 (backend_clustering_mode, follow_primary_command).
    case "$major" in
      15) ;; # bookworm: pgpool2 4.3.5-1+deb12u1, postgresql-15-pgpool2 4.3.5-1+deb12u1 (tested)
      17) ;; # trixie: pgpool2 4.6.1-2, postgresql-17-pgpool2 4.6.1-2 (not yet tested)
      13) say "Debian bullseye (PostgreSQL 13) ships pgpool2 4.1.4, whose pgpool.conf has no backend_clustering_mode or follow_primary_command (pgpool-II 4.2): use PostgreSQL 15 (bookworm: pgpool2 4.3.5) or 17 (trixie: pgpool2 4.6.1)"; exit 2 ;;
      *) say "PostgreSQL $major has no Debian suite here; a pgpool image is built for 15 (bookworm) or 17 (trixie)"; exit 2 ;;
    esac ;;
  *) say "no manager image for \"$manager\"; pgchaos builds: patroni, pg_auto_failover, repmgr, pgpool"; exit 2 ;;
esac

repo=${PGCHAOS_IMAGE_REPO:-pgchaos/postgres}
base="$repo:$major"
image="$repo-$manager:$major"
recipe=$(cat "$here/build-manager-image.sh" "$here/Dockerfile.$manager.in" | sha256sum | cut -c1-12)
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi

t0=$(date +%s)
if ! docker image inspect "$base" >/dev/null 2>&1; then
  say "building the base $base first"
  bash "$here/build-image.sh" "$major"
fi
work=$(mktemp -d /var/tmp/pgchaos-manager.XXXXXX)
stage="$image-stage"
trap 'docker rm -f "pgchaos-versions-$$" >/dev/null 2>&1 || true; docker rmi "$stage" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

say "building $image: $packages from Debian (about a minute)"
sed -e "s|@BASE@|$base|g" -e "s|@MAJOR@|$major|g" -e "s|@PACKAGES@|$packages|g" -e "s|@RECIPE@|$recipe|g" \
  "$here/Dockerfile.$manager.in" >"$work/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$stage" -f "$work/Dockerfile" "$work" >/dev/null 2>"$work/build.log" || {
  say "docker build failed:"; tail -n 30 "$work/build.log" >&2; exit 1; }

# The versions, read from a created (never started) container, then kept as a label.
docker create --name "pgchaos-versions-$$" "$stage" >/dev/null
versions=$(docker cp "pgchaos-versions-$$:/usr/share/pgchaos/manager-versions" - | tar -xO | tr '\n' ' ' | sed 's/ $//')
printf 'FROM %s\nLABEL org.pgchaos.manager-versions="%s"\n' "$stage" "$versions" >"$work/Dockerfile.label"
DOCKER_BUILDKIT=0 docker build -q -t "$image" -f "$work/Dockerfile.label" "$work" >/dev/null 2>>"$work/build.log" || {
  say "docker build (label) failed:"; tail -n 30 "$work/build.log" >&2; exit 1; }
say "built $image in $(( $(date +%s) - t0 )) s (recipe $recipe): $versions"
