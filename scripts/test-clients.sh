#!/usr/bin/env bash
# Builds jirad and fake-jira (debug), then runs every client suite against them: Python, TypeScript
# and Neovim (clients/run-tests.sh) and the MCP face with the official MCP Python SDK
# (tests/mcp_sdk), the official TypeScript SDK and the MCP Inspector CLI (tests/mcp_node), and
# `jirad lsp` in real editors (tests/editors: Neovim's built-in client, Emacs eglot). Reaches only
# PyPI, npm and apt (Emacs, when missing and running as root); installs into venvs and
# node_modules inside the checkout. Needs cargo, python3 (3.10+ for the MCP SDK), node 20 + npm.
# Usage: scripts/test-clients.sh [all|unit|mcp|editors]   (unit: no daemon, no MCP or editor
# tests; mcp, editors: only those)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-all}
python=${PYTHON:-python3}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

echo "=== cargo build (jirad, fake-jira)"
(cd "$repo" && cargo build --quiet -p jirad -p fake-jira) || exit 1
export JIRAD_BIN=${JIRAD_BIN:-$repo/target/debug/jirad}
export FAKE_JIRA_BIN=${FAKE_JIRA_BIN:-$repo/target/debug/fake-jira}

failed=()
if [ "$mode" != mcp ] && [ "$mode" != editors ]; then
  "$repo/clients/run-tests.sh" "$mode" || failed+=(clients)
fi

if [ "$mode" = all ] || [ "$mode" = editors ]; then
  printf '\n=== editors (jirad lsp in Neovim and Emacs, headless)\n'
  "$repo/tests/editors/run.sh" all || failed+=(editors)
fi

if [ "$mode" = all ] || [ "$mode" = mcp ]; then
  printf '\n=== MCP SDK (jirad mcp over stdio)\n'
  sdk=$repo/tests/mcp_sdk
  if { [ -x "$sdk/.venv/bin/python" ] || "$python" -m venv "$sdk/.venv"; } &&
     "$sdk/.venv/bin/pip" install -q --disable-pip-version-check -r "$sdk/requirements.txt"; then
    (cd "$sdk" && .venv/bin/python -m pytest -q -p no:cacheprovider) || failed+=(mcp-sdk)
  else
    failed+=(mcp-sdk-install)
  fi
  printf '\n=== MCP TypeScript SDK and Inspector CLI (jirad mcp over stdio)\n'
  if (cd "$repo/tests/mcp_node" && npm ci --no-audit --no-fund --loglevel=error); then
    (cd "$repo/tests/mcp_node" && npm test --silent) || failed+=(mcp-node)
  else
    failed+=(mcp-node-install)
  fi
fi

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all client suites passed ($mode)"
