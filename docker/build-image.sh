#!/usr/bin/env bash
# Build the PostgreSQL image for one major version offline, from Debian's packages:
#   debootstrap (minbase) of the Debian suite that ships that major -> docker import -> a small
#   Dockerfile that adds the keep-alive init, stop signal, environment and labels.
# No registry is touched: `docker import` and a FROM of a local image pull nothing.
#
# usage: docker/build-image.sh MAJOR        (13: bullseye, 15: bookworm, 17: trixie)
# Idempotent: does nothing when pgchaos/postgres:MAJOR exists. Needs root, debootstrap
# (installed from Debian's packages when missing) and a Docker engine (docker/engine.sh).
set -euo pipefail

major=${1:?usage: docker/build-image.sh MAJOR (13, 15 or 17)}
case "$major" in
  13) suite=bullseye ;;
  15) suite=bookworm ;;
  17) suite=trixie ;;
  *) echo "pgchaos image: PostgreSQL $major has no Debian suite here; use 13, 15 or 17" >&2; exit 2 ;;
esac
image="pgchaos/postgres:$major"
here=$(cd "$(dirname "$0")" && pwd)
mirror=${PGCHAOS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
say() { printf 'pgchaos image: %s\n' "$*" >&2; }

if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
[ "$(id -u)" = 0 ] || { say "building $image needs root (debootstrap); run: sudo $0 $major"; exit 1; }
if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap ..."
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } \
    >/tmp/pgchaos-apt.log 2>&1 || { say "apt-get install debootstrap failed; see /tmp/pgchaos-apt.log"; exit 1; }
fi

t0=$(date +%s)
work=$(mktemp -d /var/tmp/pgchaos-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
say "building $image: debootstrap $suite with postgresql-$major (about a minute) ..."
# tini: the keep-alive init that reaps the postmaster after pg_ctl stop, so the container (the
# "host") outlives PostgreSQL; iproute2/iptables: network faults inside the host; procps: ps.
debootstrap --variant=minbase --include="postgresql-$major,tini,iproute2,iptables,procps" \
  "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  say "debootstrap failed; last lines:"; tail -n 20 "$work/debootstrap.log" >&2; exit 1; }

# The harness runs initdb itself; drop the cluster Debian's postinst made, and the apt caches.
rm -rf "$rootfs/var/lib/postgresql/$major/main" "$rootfs/etc/postgresql/$major/main" \
       "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
mkdir -p "$rootfs/var/lib/postgresql/data" "$rootfs/run/postgresql"
chroot "$rootfs" chown -R postgres:postgres /var/lib/postgresql /run/postgresql
chmod 700 "$rootfs/var/lib/postgresql/data"

say "importing rootfs ..."
tar -C "$rootfs" -c . | docker import - "pgchaos/postgres-rootfs:$major" >/dev/null
sed "s/@MAJOR@/$major/g" "$here/Dockerfile.in" >"$work/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work" -f "$work/Dockerfile" >/dev/null 2>"$work/build.log" || {
  say "docker build failed:"; cat "$work/build.log" >&2; exit 1; }
docker rmi "pgchaos/postgres-rootfs:$major" >/dev/null 2>&1 || true
say "built $image in $(( $(date +%s) - t0 )) s"
