#!/usr/bin/env bash
# Make a Docker engine answer on this machine, or say exactly what to do.
#
# - An engine that already answers is used as it is.
# - Otherwise, on Debian as root: install Debian's docker.io when dockerd is missing, start
#   dockerd in the background (log: /var/log/pgchaos-dockerd.log) and wait for its socket.
# - Anywhere else: exit 1 with a message naming the fix.
#
# Prints one progress line to stderr with how long it took. Exit 0 when `docker info` answers.
set -euo pipefail

DEADLINE_S=${PGCHAOS_ENGINE_DEADLINE_S:-60}
started=$(date +%s%N)
say() { printf 'pgchaos engine: %s\n' "$*" >&2; }
elapsed_ms() { echo $(( ($(date +%s%N) - started) / 1000000 )); }
answers() { timeout 5 docker info >/dev/null 2>&1; }

if answers; then exit 0; fi

# An engine the user named is theirs to start: never start a local one in its place.
if [ -n "${DOCKER_HOST:-}" ]; then
  say "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST"
  say "fix: start that engine or correct DOCKER_HOST; or unset DOCKER_HOST to use this machine's own engine"
  exit 2
fi

is_debian() { [ -r /etc/debian_version ]; }
if [ "$(id -u)" != 0 ] || ! is_debian; then
  say "no Docker engine answers (docker info failed)."
  say "fix: start your Docker engine (e.g. 'sudo systemctl start docker'), or run this script as root on Debian to install and start docker.io."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  say "installing Debian's docker.io ..."
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq docker.io; } >/tmp/pgchaos-apt.log 2>&1 || {
    say "apt-get install docker.io failed; see /tmp/pgchaos-apt.log"; exit 1; }
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  say "starting dockerd ..."
  # setsid: the engine must outlive this script and not receive the caller's Ctrl-C. The other
  # descriptors are closed: an inherited lock (a CI job's `flock`) would be held by the engine for
  # as long as it runs, and the next job would wait for it forever.
  (
    for fd in /proc/self/fd/*; do
      n=${fd##*/}
      [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null
    done
    exec setsid nohup dockerd >/var/log/pgchaos-dockerd.log 2>&1 < /dev/null
  ) &
fi

until answers; do
  if (( $(elapsed_ms) > DEADLINE_S * 1000 )); then
    say "dockerd did not answer within ${DEADLINE_S}s; last lines of /var/log/pgchaos-dockerd.log:"
    tail -n 20 /var/log/pgchaos-dockerd.log >&2 || true
    exit 1
  fi
  sleep 0.2
done
say "engine ready in $(elapsed_ms) ms"
