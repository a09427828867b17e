#!/usr/bin/env bash
# Helm, for the chart's lint and render test (test/unit/helm-chart.test.ts): built once from the Go module proxy
# with the machine's Go toolchain (pinned version), kept outside the repository in ~/.local/share/ferry/bin and
# reused by every checkout. Prints the binary's path.
set -euo pipefail
HELM_VERSION=v4.3.2
BIN_DIR="${FERRY_TOOLS_BIN:-$HOME/.local/share/ferry/bin}"
HELM="$BIN_DIR/helm-$HELM_VERSION"
if [ ! -x "$HELM" ]; then
  if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
    echo "ferry: helm $HELM_VERSION is needed for the chart test; install Go (or put helm on PATH as $HELM)" >&2
    exit 1
  fi
  GO=$(command -v go || echo /usr/local/go/bin/go)
  echo "ferry: building helm $HELM_VERSION from the Go module proxy (once, a few minutes)…" >&2
  mkdir -p "$BIN_DIR"
  tmp=$(mktemp -d)
  GOBIN="$tmp" "$GO" install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2
  mv "$tmp/helm" "$HELM"
  rmdir "$tmp"
fi
echo "$HELM"
