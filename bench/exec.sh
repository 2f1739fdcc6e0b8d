#!/usr/bin/env bash
# Side by side: `tok exec -- true` against `true` alone, median of N runs (default 300),
# interleaved, on an unlocked vault in a throwaway store. Usage: bench/exec.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-300}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Built as releases are on Linux: without cgo (a cgo build links libc dynamically, +1 ms a start).
CGO_ENABLED=0 go build -o "$work/bin/" ./cmd/... ./bench/cmdtime
mkdir -p "$work/run" && chmod 700 "$work/run"
export XDG_DATA_HOME="$work/data" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" XDG_RUNTIME_DIR="$work/run"
unset DBUS_SESSION_BUS_ADDRESS TOK_BACKEND
export TOK_BACKEND=vault
printf cop_benchmarktoken | TOK_FILE_PASSPHRASE=bench "$work/bin/tok" set https://acme.codeocean.com >/dev/null 2>&1
TOK_FILE_PASSPHRASE=bench "$work/bin/tok" unlock --timeout 10m >/dev/null 2>&1
trap 'TOK_BACKEND=vault "$work/bin/tok" lock >/dev/null 2>&1; rm -rf "$work"' EXIT
truebin="$(command -v true)"
"$work/bin/cmdtime" -n "$n" "$truebin" ::: "$work/bin/tok" exec -- "$truebin"
