#!/usr/bin/env bash
# Build the PostgreSQL image for one major version offline, from Debian's packages:
#   debootstrap (minbase) of the Debian suite that ships that major -> docker import -> a small
#   Dockerfile that adds the keep-alive init, stop signal, environment and labels.
# No registry is touched: `docker import` and a FROM of a local image pull nothing.
#
# usage: docker/build-image.sh MAJOR        (13: bullseye, 15: bookworm, 17: trixie)
# Idempotent: does nothing when pgchaos/postgres:MAJOR exists. Needs root, debootstrap
# (installed from Debian's packages when missing) and a Docker engine (docker/engine.sh).
# Env: PGCHAOS_IMAGE_REPO (default pgchaos/postgres), PGCHAOS_DEBIAN_MIRROR, PGCHAOS_PROGRESS_S
# (seconds between "still building" lines, default 10).
#
# The image is labelled org.pgchaos.recipe = the hash of this file and Dockerfile.in (the same
# hash harness/db/image.ts computes), so an image cache made by another recipe is recognised.
set -euo pipefail

major=${1:?usage: docker/build-image.sh MAJOR (13, 15 or 17)}
case "$major" in
  13) suite=bullseye ;;
  15) suite=bookworm ;;
  17) suite=trixie ;;
  *) echo "pgchaos image: PostgreSQL $major has no Debian suite here; use 13, 15 or 17" >&2; exit 2 ;;
esac
repo=${PGCHAOS_IMAGE_REPO:-pgchaos/postgres}
image="$repo:$major"
rootfs_image="$repo-rootfs:$major"
here=$(cd "$(dirname "$0")" && pwd)
mirror=${PGCHAOS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
progress_s=${PGCHAOS_PROGRESS_S:-10}
recipe=$(cat "$here/build-image.sh" "$here/Dockerfile.in" | sha256sum | cut -c1-12)
say() { printf 'pgchaos image: %s\n' "$*" >&2; }

if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
[ "$(id -u)" = 0 ] || { say "building $image needs root (debootstrap); run: sudo $0 $major"; exit 1; }

t0=$(date +%s)
work=$(mktemp -d /var/tmp/pgchaos-rootfs.XXXXXX)
rootfs="$work/rootfs"

# Progress while a step runs, not only between steps: debootstrap alone takes most of a minute
# with its output in a log. Every progress_s seconds: elapsed time, the step, and during
# debootstrap its latest "I: ..." line (Retrieving / Extracting / Configuring <package>).
step() { printf '%s' "$1" >"$work/step"; say "step $1${2:+ $2}"; }
ticker() {
  # sleep's output goes nowhere: killed with the ticker or not, it must not hold our stderr open.
  while sleep "$progress_s" </dev/null >/dev/null 2>&1; do
    local now detail=''
    now=$(cat "$work/step" 2>/dev/null || echo '?')
    case "$now" in *debootstrap) detail=$(grep '^I: ' "$work/debootstrap.log" 2>/dev/null | tail -n 1 | cut -c4-72 || true) ;; esac
    say "still building $image ($(( $(date +%s) - t0 )) s, step $now${detail:+: $detail})"
  done
}
ticker &
ticker_pid=$!
trap 'kill "$ticker_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

step "1/4 setup"
if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap ..."
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } \
    >/tmp/pgchaos-apt.log 2>&1 || { say "apt-get install debootstrap failed; see /tmp/pgchaos-apt.log"; exit 1; }
fi

step "2/4 debootstrap" "of $suite with postgresql-$major (about a minute)"
# tini: the keep-alive init that reaps the postmaster after pg_ctl stop, so the container (the
# "host") outlives PostgreSQL; iproute2/iptables: network faults (this image also serves as the
# helper that runs them in any node's network namespace); procps: ps.
debootstrap --variant=minbase --include="postgresql-$major,tini,iproute2,iptables,procps" \
  "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  say "debootstrap failed; last lines:"; tail -n 20 "$work/debootstrap.log" >&2; exit 1; }

# The harness runs initdb itself; drop the cluster Debian's postinst made, and the apt caches.
rm -rf "$rootfs/var/lib/postgresql/$major/main" "$rootfs/etc/postgresql/$major/main" \
       "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
mkdir -p "$rootfs/var/lib/postgresql/data" "$rootfs/run/postgresql"
chroot "$rootfs" chown -R postgres:postgres /var/lib/postgresql /run/postgresql
chmod 700 "$rootfs/var/lib/postgresql/data"

step "3/4 docker import" "of the rootfs ($(du -sm "$rootfs" | cut -f1) MB)"
tar -C "$rootfs" -c . | docker import - "$rootfs_image" >/dev/null
step "4/4 docker build"
sed -e "s|@MAJOR@|$major|g" -e "s|@ROOTFS@|$rootfs_image|g" -e "s|@RECIPE@|$recipe|g" "$here/Dockerfile.in" >"$work/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work" -f "$work/Dockerfile" >/dev/null 2>"$work/build.log" || {
  say "docker build failed:"; cat "$work/build.log" >&2; exit 1; }
docker rmi "$rootfs_image" >/dev/null 2>&1 || true
say "built $image in $(( $(date +%s) - t0 )) s (recipe $recipe)"
