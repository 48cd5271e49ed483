#!/bin/sh
# Makes headless Chromium available for the report's browser test (harness/report/report.browser.test.ts):
# nothing to do when /usr/bin/chromium exists; as root on Debian, installs the `chromium` package;
# otherwise says how and exits 2. Idempotent.
set -e
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pgchaos: installing Chromium for the report's browser test (apt-get install chromium) ..." >&2
  # Installed yet its binary gone: reinstall.
  again=
  dpkg -s chromium >/dev/null 2>&1 && again=--reinstall
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q $again chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q $again chromium >/dev/null; }
  [ -x "$CHROMIUM" ] && exit 0
  echo "pgchaos: apt-get installed chromium but $CHROMIUM is missing" >&2
  exit 2
fi
echo "pgchaos: the report's browser test needs Chromium at $CHROMIUM: run 'sudo apt-get install -y chromium' (Debian/Ubuntu)." >&2
exit 2
