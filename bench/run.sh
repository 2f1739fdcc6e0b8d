#!/usr/bin/env bash
# The side-by-side benchmarks: one command that installs the comparison tools (Debian packages),
# builds tok as releases are built, and prints one markdown table. Every figure is a median of
# N runs (default 200), every ratio is measured in the same run, commands interleaved, so the
# shared machine's noise falls on all of them alike.
#
#   bash bench/run.sh         # full run, for README's Performance section
#   bash bench/run.sh 10      # a short run (CI does this so the script cannot rot)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200}"

if [ -z "${TOK_BENCH_INNER:-}" ]; then
  need=(git gnome-keyring dbus dbus-x11 pass gnupg golang-docker-credential-helpers time)
  missing=()
  for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
  fi
  # A private session bus for gnome-keyring, gone when the run ends.
  exec env TOK_BENCH_INNER=1 dbus-run-session -- bash "$0" "$n"
fi

work="$(mktemp -d)"
cleanup() {
  "$work/bin/tok" lock >/dev/null 2>&1 || true
  GNUPGHOME="$work/gnupg" gpgconf --kill all >/dev/null 2>&1 || true
  git credential-cache --socket "$work/cache.sock" exit >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# Built as releases are on Linux (goreleaser.yaml): without cgo (a cgo build links libc
# dynamically, +1 ms a start), without urfave/cli's man-page generator (+0.4 ms of init), stripped.
CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -ldflags "-s -w" -o "$work/bin/" ./cmd/... ./bench/cmdtime ./bench/execfloor
mkdir -p "$work/home" "$work/run" "$work/gnupg" && chmod 700 "$work/run" "$work/gnupg"
export HOME="$work/home" XDG_DATA_HOME="$work/data" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config"
export XDG_RUNTIME_DIR="$work/run" GNUPGHOME="$work/gnupg" PASSWORD_STORE_DIR="$work/pass"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/gitconfig" PATH="$work/bin:$PATH"
unset TOK_FILE_PASSPHRASE TOK_VAULT_CACHE
export TOK_BACKEND=vault # tok's default without a desktop keychain; rows below name other backends.
# Rows for the vault run without the session bus, as on the headless machines it is for (with a
# bus, keyring's init connects to it in every process). In the docker groups, which need the
# bus for the comparison, the vault rows pay for an extra "env" process: about 1 ms.
bin="$work/bin"
secret=the-token-0123456789abcdef

# quiet runs a setup step, showing its output only when it fails.
quiet() { local out; out=$("$@" 2>&1) || { printf '%s: %s\n' "$*" "$out" >&2; return 1; }; }

# The stores under comparison, each holding one credential for the same host.
# gnome-keyring-daemon --unlock returns before the daemon owns its bus name; a client asking in
# between has D-Bus start a second, locked daemon, so wait for the name first.
echo -n login | gnome-keyring-daemon --unlock --components=secrets >/dev/null
for _ in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetNameOwner \
    string:org.freedesktop.secrets >/dev/null 2>&1 && break
  sleep 0.1
done
quiet gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key bench@example.invalid default default never
quiet pass init bench@example.invalid
printf 'https://bench:%s@git.example.org\n' "$secret" > "$work/git-credentials"
cache="cache --socket=$work/cache.sock --timeout=3600"
printf 'protocol=https\nhost=git.example.org\nusername=bench\npassword=%s\n\n' "$secret" | git -c credential.helper= -c "credential.helper=$cache" credential approve
for backend in vault secret-service file; do
  printf %s "$secret" | quiet env TOK_BACKEND=$backend TOK_FILE_PASSPHRASE=bench tok set https://git.example.org --username bench --env BENCH_TOKEN
  printf %s "$secret" | quiet env TOK_BACKEND=$backend TOK_FILE_PASSPHRASE=bench tok set reg.example.org --username bench --registry
done
quiet env TOK_FILE_PASSPHRASE=bench tok unlock --timeout 1h
# git as a user has it after "tok install git" with no flags: the row "git credential fill"
# below. Every other git row resets the helper list first (-c credential.helper=).
quiet tok install git
printf '{"ServerURL":"reg.example.org","Username":"bench","Secret":"%s"}' "$secret" | docker-credential-secretservice store
printf '{"ServerURL":"reg.example.org","Username":"bench","Secret":"%s"}' "$secret" | docker-credential-pass store

fill=$'protocol=https\nhost=git.example.org\n\n'
g() { echo git -c credential.helper= -c "credential.helper=$1" credential fill; }
echo "Run on $(date -u +%Y-%m-%d), $(uname -sm), $(nproc) cores, $(go version | cut -d' ' -f3), $n runs each: \`bash bench/run.sh $n\`"
echo
echo "| comparison | command | median | ratio |"
echo "|---|---|---|---|"
nobus() { env -u DBUS_SESSION_BUS_ADDRESS "$@"; }
nobus cmdtime -n "$n" -group "git fill, headless (vs store)" -stdin "$fill" \
  git -c credential.helper= -c "credential.helper=store --file=$work/git-credentials" credential fill ::: \
  git -c credential.helper= -c "credential.helper=$cache" credential fill ::: \
  git -c credential.helper= -c "credential.helper=$bin/git-credential-tok" credential fill ::: \
  git -c credential.helper= -c credential.helper=tok credential fill ::: \
  git credential fill ::: \
  env TOK_BACKEND=file TOK_FILE_PASSPHRASE=bench git -c credential.helper= -c "credential.helper=$bin/git-credential-tok" credential fill
cmdtime -n "$n" -group "git fill, desktop (vs store)" -stdin "$fill" \
  git -c credential.helper= -c "credential.helper=store --file=$work/git-credentials" credential fill ::: \
  env TOK_BACKEND=secret-service git -c credential.helper= -c "credential.helper=$bin/git-credential-tok" credential fill
nobus cmdtime -n "$n" -group "helper alone (vault)" -stdin "$fill" "$bin/git-credential-tok" get
cmdtime -n "$n" -group "docker get (vs secretservice)" -stdin reg.example.org \
  docker-credential-secretservice get ::: \
  env TOK_BACKEND=secret-service "$bin/docker-credential-tok" get ::: \
  env -u DBUS_SESSION_BUS_ADDRESS "$bin/docker-credential-tok" get
cmdtime -n "$n" -group "docker get (vs pass)" -stdin reg.example.org \
  docker-credential-pass get ::: \
  env TOK_BACKEND=secret-service "$bin/docker-credential-tok" get ::: \
  env -u DBUS_SESSION_BUS_ADDRESS "$bin/docker-credential-tok" get
# execfloor is a Go program that only execs its arguments: what any Go wrapper costs here.
nobus cmdtime -n "$n" -group "exec (vs true)" "$(command -v true)" ::: execfloor "$(command -v true)" ::: "$bin/tok" exec -- "$(command -v true)"

# Selection at 10 and 1,000 records: tok exec and tok env read the store's index and the few
# records they pick, never every record. Each vault holds a Code Ocean token and CAVE servers
# (all carrying variables, so all indexed); the program gets the same variables from both.
for count in 10 1000; do
  d="$work/sel$count"
  printf %s cop_bench0123456789 | quiet env XDG_DATA_HOME="$d" TOK_FILE_PASSPHRASE=bench tok set https://acme.codeocean.com
  for i in $(seq 2 "$count"); do
    printf '%032x' "$i" | env XDG_DATA_HOME="$d" tok set "https://cave$i.example.org" --platform cave >/dev/null 2>&1
  done
  quiet env XDG_DATA_HOME="$d" TOK_FILE_PASSPHRASE=bench tok unlock --timeout 1h
  quiet env XDG_DATA_HOME="$d" tok env # builds the index once, as the first tok exec does
done
nobus cmdtime -n "$n" -group "tok exec, 10 vs 1,000 records" \
  env XDG_DATA_HOME="$work/sel10" "$bin/tok" exec -- "$(command -v true)" ::: \
  env XDG_DATA_HOME="$work/sel1000" "$bin/tok" exec -- "$(command -v true)"
nobus cmdtime -n "$n" -group "tok env, 10 vs 1,000 records" \
  env XDG_DATA_HOME="$work/sel10" "$bin/tok" env ::: \
  env XDG_DATA_HOME="$work/sel1000" "$bin/tok" env

# tok exec --mask: 100 MiB through the masker (on a pipe, as in CI) against cat alone, both
# read by wc; and tok's peak memory at 10 and 100 MiB (flat: the masker holds one read).
head -c $((75 << 20)) /dev/urandom | base64 -w 76 > "$work/100m" && truncate -s 100M "$work/100m"
head -c $((10 << 20)) "$work/100m" > "$work/10m"
# Reference rows: one more pipe hop through cat (what any filter costs), tok exec unmasked.
mn=$(( n / 6 > 3 ? n / 6 : 3 ))
nobus cmdtime -n "$mn" -warmup 1 -group "mask 100 MiB (vs cat)" sh -c "cat $work/100m | wc -c" ::: \
  sh -c "tok exec --mask -- cat $work/100m | wc -c" ::: \
  sh -c "tok exec -- cat $work/100m | wc -c" ::: \
  sh -c "cat $work/100m | cat | wc -c"
peak_mask() { env -u DBUS_SESSION_BUS_ADDRESS /usr/bin/time -f %M tok exec --mask -- cat "$1" 2>&1 >/dev/null | tail -1; }
echo "| peak memory | tok exec --mask -- cat: 10 MiB / 100 MiB | $(peak_mask "$work/10m") / $(peak_mask "$work/100m") KiB | |"
mbs=$(go test -run '^$' -bench 'BenchmarkMask$' -benchtime 200x ./internal/mask/ 2>/dev/null | awk '/^BenchmarkMask/ {print $(NF-5)}')
echo "| masker alone | go test -bench BenchmarkMask ./internal/mask/ (2 secrets) | ${mbs:-?} MB/s | |"

# In-process lookup at 10, 1,000 and 10,000 records (go test -bench): the Store's logic alone
# (an in-memory ring), tok's vault opened afresh for each lookup as a helper process does, and
# keyring's file backend. Each figure is the median of several counts.
if [ "$n" -ge 100 ]; then benchtime=200ms count=5; else benchtime=20ms count=3; fi
bench=$(go test -run '^$' -bench 'BenchmarkLookup' -benchtime "$benchtime" -count "$count" ./keychain/ 2>/dev/null | grep '^BenchmarkLookup')
median_us() { # name -> median ns/op of its counts, in µs
  echo "$bench" | awk -v k="$1" '$1 ~ "^"k"(-[0-9]+)?$" {print $3}' | sort -n |
    awk '{v[NR]=$1} END {printf "%.1f", v[int((NR+1)/2)]/1000}'
}
for kind in Lookup LookupVault LookupFile; do
  for q in hit miss; do
    t10=$(median_us "Benchmark$kind/records=10/$q")
    t1k=$(median_us "Benchmark$kind/records=1000/$q")
    t10k=$(median_us "Benchmark$kind/records=10000/$q")
    awk -v a="$t10" -v b="$t1k" -v c="$t10k" -v k="$kind $q" 'BEGIN { printf "| lookup (10k vs 10) | %s: 10 / 1,000 / 10,000 records | %.1f / %.1f / %.1f µs | %.2f× |\n", k, a, b, c, c/a }'
  done
done

# 20 helpers at the moment of expiry: refresh requests the server saw (end-to-end test).
line=$(go test -count=1 -run 'TestConcurrentRefreshSingleFlight' -v ./internal/e2e/ 2>&1 | grep -o '20 concurrent.*' || echo "test did not run")
echo "| refresh at expiry | 20 concurrent git credential fill | ${line#20 concurrent git credential fill at expiry: } | |"

for b in tok git-credential-tok docker-credential-tok; do
  echo "| binary size | $b | $(( $(stat -c %s "$bin/$b") / 1024 / 1024 )) MiB (static, CGO_ENABLED=0) | |"
done
# Peak memory of one helper call (GNU time's maximum resident set size).
peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
echo "| peak memory | git-credential-tok get (vault) | $(printf %s "$fill" | peak "$bin/git-credential-tok" get) KiB | |"
echo "| peak memory | docker-credential-tok get (vault) | $(printf reg.example.org | peak "$bin/docker-credential-tok" get) KiB | |"
echo "| peak memory | docker-credential-tok get (secret-service) | $(printf reg.example.org | TOK_BACKEND=secret-service peak "$bin/docker-credential-tok" get) KiB | |"
echo "| peak memory | docker-credential-secretservice get | $(printf reg.example.org | peak docker-credential-secretservice get) KiB | |"
echo "| peak memory | tok exec -- true | $(peak tok exec -- true) KiB | |"
