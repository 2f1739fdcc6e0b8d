#!/usr/bin/env bash
# Side by side, in one run: `git credential fill` through tok on the unlocked vault, through
# git's built-in store helper, and through tok on keyring's file backend. Median of N runs
# (default 300), interleaved. Usage: bench/git.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-300}"
work="$(mktemp -d)"
trap 'HOME="$work/home" XDG_RUNTIME_DIR="$work/run" TOK_VAULT_CACHE= "$work/bin/tok" lock >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
# Built as releases are on Linux: without cgo (a cgo build links libc dynamically, +1 ms a start).
CGO_ENABLED=0 go build -o "$work/bin/" ./cmd/... ./bench/cmdtime
mkdir -p "$work/home" "$work/run" && chmod 700 "$work/run"
export HOME="$work/home" XDG_DATA_HOME="$work/data" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" XDG_RUNTIME_DIR="$work/run"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/gitconfig" PATH="$work/bin:$PATH"
unset TOK_BACKEND DBUS_SESSION_BUS_ADDRESS
printf 'https://bench:the-token@git.example.org\n' > "$work/git-credentials"
printf %s the-token | TOK_FILE_PASSPHRASE=bench tok set https://git.example.org --username bench >/dev/null 2>&1
printf %s the-token | TOK_BACKEND=file TOK_FILE_PASSPHRASE=bench tok set https://git.example.org --username bench >/dev/null 2>&1
TOK_FILE_PASSPHRASE=bench tok unlock --timeout 10m >/dev/null
input=$'protocol=https\nhost=git.example.org\n\n'
"$work/bin/cmdtime" -n "$n" -stdin "$input" \
  git -c credential.helper= -c "credential.helper=store --file=$work/git-credentials" credential fill ::: \
  git -c credential.helper= -c credential.helper=tok credential fill ::: \
  git -c credential.helper= -c "credential.helper=$work/bin/git-credential-tok" credential fill ::: \
  env TOK_BACKEND=file TOK_FILE_PASSPHRASE=bench git -c credential.helper= -c credential.helper=tok credential fill
