#!/bin/sh
# npm scripts of pgchaos's own repository run tools from node_modules/.bin (tsx, tsc, vitest).
# Without `npm install` they fail with "tsx: not found"; say what to do instead, then run the command.
#   usage (from package.json): sh bin/deps.sh COMMAND [ARGS...]
for tool in tsx tsc vitest biome; do
  if [ ! -x "node_modules/.bin/$tool" ]; then
    echo "pgchaos: the dependencies are not installed here (node_modules/.bin/$tool is missing)" >&2
    echo "  fix: npm install   (then run this again)" >&2
    exit 2
  fi
done
exec "$@"
