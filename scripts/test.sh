#!/usr/bin/env bash
# npm test: install what is missing, typecheck, lint, then the whole suite (vitest starts its own
# Postgres and Temporal dev server on test ports; see test/global-setup.ts). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
echo "ferry: typecheck"; node_modules/.bin/tsc --noEmit -p .
echo "ferry: lint"; node_modules/.bin/eslint --max-warnings 0 .
FERRY_HELM="${FERRY_HELM:-$(bash scripts/install-helm.sh)}"; export FERRY_HELM
echo "ferry: tests"; exec node_modules/.bin/vitest run "$@"
