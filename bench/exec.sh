#!/usr/bin/env bash
# Side by side: `tok exec -- true` against `true` alone, median of N runs (default 300),
# interleaved, on the file backend in a throwaway store. Usage: bench/exec.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-300}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Built as releases are on Linux: without cgo (a cgo build links libc dynamically, +1 ms a start).
CGO_ENABLED=0 go build -o "$work/bin/" ./cmd/... ./bench/cmdtime
export TOK_BACKEND=file TOK_FILE_PASSPHRASE=bench XDG_DATA_HOME="$work/data" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config"
printf cop_benchmarktoken | "$work/bin/tok" set https://acme.codeocean.com >/dev/null 2>&1
truebin="$(command -v true)"
"$work/bin/cmdtime" -n "$n" "$truebin" ::: "$work/bin/tok" exec -- "$truebin"
