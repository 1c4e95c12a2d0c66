#!/usr/bin/env bash
# Type-checks the workspace for Windows (x86_64-pc-windows-gnu) on a Debian bookworm machine whose
# rustup cannot fetch other targets. Debian ships no prebuilt Windows std for a current rustc, so
# this uses bookworm-security's rustc-web (a plain rustc, 1.96 as written) with its matching std
# sources and `-Zbuild-std`, plus the MinGW binutils (std needs dlltool) and gcc (ring's C code).
# The .debs are unpacked with `dpkg -x` into a cache dir: nothing is installed on the system.
#
#   scripts/windows-check.sh                      # cargo check of every target
#   scripts/windows-check.sh clippy               # the same under clippy, -D warnings
#   scripts/windows-check.sh check -p jirad --lib # other cargo arguments replace the default set
set -euo pipefail
cd "$(dirname "$0")/.."
mode=check
case ${1:-} in check | clippy) mode=$1 && shift ;; esac
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--workspace --all-targets)

tc=${JIRAD_WINDOWS_TOOLCHAIN:-$PWD/target/windows-toolchain}
if [ ! -x "$tc/usr/bin/clippy-driver" ]; then
  apt-get update -qq # bookworm-security moves rustc-web on; an old list may name gone .debs
  v=$(apt-cache policy rustc-web | awk '/Candidate:/ {print $2}')
  # The versioned runtime (libstd-rust-web-1.NN) and the LLVM it links, both read off the packages.
  rt=$(apt-cache show "libstd-rust-web-dev=$v" | grep -o 'libstd-rust-web-1\.[0-9]*' | head -1)
  llvm=$(apt-cache show "$rt=$v" | grep -o 'libllvm[0-9]*' | head -1)
  mkdir -p "$tc/debs"
  (cd "$tc/debs" && apt-get download -q "rustc-web=$v" "rust-web-src=$v" "rust-web-clippy=$v" \
    "libstd-rust-web-dev=$v" "$rt=$v" "$llvm" binutils-mingw-w64-x86-64 \
    gcc-mingw-w64-x86-64-win32 gcc-mingw-w64-x86-64-win32-runtime gcc-mingw-w64-base \
    mingw-w64-x86-64-dev mingw-w64-common)
  for d in "$tc"/debs/*.deb; do dpkg -x "$d" "$tc"; done
fi

export LD_LIBRARY_PATH="$tc/usr/lib/x86_64-linux-gnu"
export PATH="$tc/usr/bin:$PATH" # x86_64-w64-mingw32-dlltool, -ar
export RUSTC="$tc/usr/bin/rustc" RUSTC_BOOTSTRAP=1 # -Zbuild-std on a stable rustc
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc-win32
# A target dir of its own: this rustc's host artifacts would otherwise churn the usual one.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/windows-check}
"$tc/usr/bin/rustc" --version
if [ "$mode" = clippy ]; then
  "$tc/usr/bin/cargo-clippy" clippy -Zbuild-std --target x86_64-pc-windows-gnu "${args[@]}" -- -D warnings
else
  cargo check -Zbuild-std --target x86_64-pc-windows-gnu "${args[@]}"
fi
