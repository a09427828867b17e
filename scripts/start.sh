#!/usr/bin/env bash
# npm start: install what is missing, then run ferry on embedded defaults (scripts/start.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
exec node_modules/.bin/tsx scripts/start.ts
