#!/usr/bin/env bash
# Build the release snapshot (goreleaser release --snapshot --clean), install its amd64 .deb
# for real and check, from the installed paths only: the three binaries' version, git reaching
# git-credential-tok through `git credential fill`, `man tok` and the helpers' pages, bash
# completing `tok get <TAB>` from the installed completion file, README and LICENSE under
# /usr/share/doc/tok; then that the rpm holds the same files, and remove the package.
# Needs (as .ci/run installs): goreleaser v2.15.1, git, man-db, bash-completion, rpm, python3.
# Run it alone with: bash .ci/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"
sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"

fail() { echo "package: $*" >&2; exit 1; }

if ! command -v goreleaser >/dev/null; then
  GOFLAGS=-mod=mod go install github.com/goreleaser/goreleaser/v2@v2.15.1 >/dev/null 2>&1
fi
if dpkg -s tok >/dev/null 2>&1; then
  fail "a tok package is installed already; remove it first (dpkg -r tok)"
fi

echo "-- goreleaser release --snapshot --clean"
start=$SECONDS
log=$(mktemp)
goreleaser release --snapshot --clean >"$log" 2>&1 || { tail -30 "$log"; fail "goreleaser failed"; }
rm -f "$log"
echo "   built in $((SECONDS - start)) s"
version=$(python3 -c 'import json; print(json.load(open("dist/metadata.json"))["version"])')
debs=(dist/*_amd64.deb) rpms=(dist/*.x86_64.rpm)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "expected one amd64 .deb in dist/, found: ${debs[*]}"
[ ${#rpms[@]} = 1 ] && [ -f "${rpms[0]}" ] || fail "expected one x86_64 .rpm in dist/, found: ${rpms[*]}"
deb=${debs[0]} rpm=${rpms[0]}

cask=dist/homebrew/Casks/tok.rb
for stanza in 'binary "git-credential-tok"' 'manpage "manpages/tok.1.gz"' 'bash_completion "completions/tok.bash"' \
  'zsh_completion "completions/_tok"' 'fish_completion "completions/tok.fish"'; do
  grep -qF "$stanza" "$cask" || fail "$cask lacks: $stanza"
done

echo "-- dpkg -i $deb"
# (the --path-include options undo a minimal image's dpkg path-exclude of man pages and docs)
$sudo_cmd dpkg --path-include=/usr/share/man/man1/tok.1.gz --path-include='/usr/share/man/man1/*-credential-tok.1.gz' \
  --path-include='/usr/share/doc/tok/*' -i "$deb" >/dev/null
trap '$sudo_cmd dpkg -r tok >/dev/null 2>&1 || true' EXIT

files=(
  /usr/bin/tok /usr/bin/git-credential-tok /usr/bin/docker-credential-tok
  /usr/share/bash-completion/completions/tok
  /usr/share/zsh/vendor-completions/_tok
  /usr/share/fish/vendor_completions.d/tok.fish
  /usr/share/man/man1/tok.1.gz /usr/share/man/man1/git-credential-tok.1.gz /usr/share/man/man1/docker-credential-tok.1.gz
  /usr/share/doc/tok/README.md /usr/share/doc/tok/LICENSE
)
for f in "${files[@]}"; do
  [ -f "$f" ] || fail "$f is not installed"
  dpkg -S "$f" | grep -q '^tok: ' || fail "$f does not belong to the tok package"
done

# From here on only the installed programs, in a home of their own.
home=$(mktemp -d)
trap '$sudo_cmd dpkg -r tok >/dev/null 2>&1 || true; rm -rf "$home"' EXIT
run() {
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" LANG=C.UTF-8 \
    XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" XDG_STATE_HOME="$home/state" \
    TOK_BACKEND=file TOK_FILE_PASSPHRASE=package-check \
    GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 "$@"
}

echo "-- versions ($version)"
for cmd in "tok version" "tok --version" "git-credential-tok version" "git-credential-tok --version" "docker-credential-tok version"; do
  out=$(run $cmd)
  case "$out" in
    "tok $version ("* | *" (github.com/tok-dev/tok) $version") ;;
    *) fail "$cmd printed: $out (want version $version)" ;;
  esac
done

echo "-- git credential fill through the installed git-credential-tok"
out=$(printf %s package-token | run tok set https://git.example.org 2>&1) || fail "tok set: $out"
out=$(printf 'protocol=https\nhost=git.example.org\n\n' | run git -c credential.helper= -c credential.helper=tok credential fill)
grep -qx 'password=package-token' <<<"$out" || fail "git credential fill answered: $out"

echo "-- man pages"
for page in tok git-credential-tok docker-credential-tok; do
  out=$(run env MANWIDTH=80 man -P cat "$page" 2>/dev/null) || fail "man $page failed"
  grep -qE "^ +$page +- " <<<"$out" || fail "man $page shows no NAME line: $(head -5 <<<"$out")"
done

echo "-- bash completes 'tok get <TAB>' from the installed completion file"
complete_words() { # the words bash offers for the command line "$@" (the last word is being typed)
  run bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion
    __load_completion tok || exit 3   # reads /usr/share/bash-completion/completions/tok
    spec=$(complete -p tok) || exit 4
    fn=${spec##*-F }; fn=${fn%% *}
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    "$fn" tok "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
out=$(complete_words tok get "")
for want in curvenote codeocean cave jwt; do
  grep -qx "$want" <<<"$out" || fail "tok get <TAB> offered: $(tr '\n' ' ' <<<"$out")"
done
out=$(complete_words tok get cu)
[ "$out" = curvenote ] || fail "tok get cu<TAB> offered: $(tr '\n' ' ' <<<"$out")"

echo "-- the rpm holds the same files"
deb_files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | sort)
rpm_files=$(rpm -qlp "$rpm" 2>/dev/null | sed 's#^/usr/share/zsh/site-functions/#/usr/share/zsh/vendor-completions/#' | sort)
[ "$deb_files" = "$rpm_files" ] || fail "deb and rpm differ (beyond zsh's directory):
$(diff <(echo "$deb_files") <(echo "$rpm_files"))"
[ "$(wc -l <<<"$deb_files")" = "${#files[@]}" ] || fail "the deb holds files not checked here: $deb_files"

echo "-- dpkg -r tok"
$sudo_cmd dpkg -r tok >/dev/null
for f in "${files[@]}"; do [ ! -e "$f" ] || fail "$f is still there after dpkg -r"; done
echo "package: ok ($deb, $rpm, version $version, $((SECONDS - start)) s)"
