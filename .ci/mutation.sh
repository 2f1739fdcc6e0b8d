#!/usr/bin/env bash
# Mutation gate (issue 20): gremlins mutates the packages that hold tok's security rules, one
# package at a time, each against its own unit tests only, and fails when a package's test
# efficacy (killed / (killed + lived)) or mutant coverage ((killed + lived) / all mutants) falls
# under its threshold below: a few points under what the tests reach today (measured on a
# 2-core machine under load; README gives the figures), so the gate is stable and still fails
# when a rule loses its test. Raise a threshold when the tests get better; never lower one to
# pass. The mutants that live today are equivalent (a boundary no input can tell apart) or need
# a timed test (the renewal lock's wait).
#
#   .ci/mutation.sh                 every package in the table
#   .ci/mutation.sh helper platform some of them
#   MUTATION_REPORT=1 .ci/mutation.sh   measure only: print the figures, enforce nothing
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"

gremlins_version=v0.6.0
if ! go version -m "$(command -v gremlins 2>/dev/null || echo /nonexistent)" 2>/dev/null | grep -q "gremlins.*$gremlins_version"; then
  GOFLAGS=-mod=mod go install "github.com/go-gremlins/gremlins/cmd/gremlins@$gremlins_version" >/dev/null 2>&1
fi

# package; efficacy %; mutant coverage %; files not mutated (regexp, relative to the package); tests not run (go test -skip)
#  - keychain: the domain (targets, resolution, records, Store, HandOut, registry names); its
#    backends are proven end to end and by their own slow tests (scrypt, the file backend),
#    which would make each mutant cost seconds.
#  - internal/inject: planning (plan.go, rundir.go); running a program (run*.go, pipe*.go:
#    signals, exit codes, the pty) is e2e's, and selection (select.go) is tested in-process
#    through the commands (internal/cli) and e2e, not by inject's own tests: not gated yet.
#  - internal/importer: its efficacy fell from 96 to 88 when the importer was rewritten to read
#    files exactly as their owners do (issue 15); the threshold follows the new code's figure.
#  - platform: platform/remote (HTTP) is proven against test servers in lifecycle tests.
table=(
  "keychain;94;90;^(agent|backend|chunked|deadline|filelock|filering|keyctl|secretservice|vault);^(TestVault|TestFileStore)"
  "helper;92;92;^$;^$"
  "internal/inject;89;90;^(run|select|pipe);^$"
  "internal/importer;85;90;^$;^$"
  "platform;97;95;^remote/;^$"
)

want=("$@")
failed=()
for row in "${table[@]}"; do
  IFS=';' read -r pkg eff cov exclude skip <<<"$row"
  if ((${#want[@]})) && [[ ! " ${want[*]} " == *" $pkg "* ]]; then continue; fi
  echo "== mutation: $pkg (efficacy >= $eff%, mutant coverage >= $cov%)"
  start=$SECONDS
  # GOFLAGS reaches the go test runs gremlins makes (coverage and one per mutant): -count=1,
  # because a cached baseline run takes no time, and every mutant's run then "times out".
  # gremlins' own --threshold flags do not change its exit status, so the figures are read and
  # compared here.
  out=$(GOFLAGS="-count=1 -skip=$skip" gremlins unleash --timeout-coefficient 5 --exclude-files "$exclude" "./$pkg" 2>&1) || true
  grep -E '^(Killed|Timed out|Test efficacy|Mutator coverage)|LIVED|rror' <<<"$out" || true
  got_eff=$(sed -n 's/^Test efficacy: \([0-9.]*\)%.*/\1/p' <<<"$out")
  got_cov=$(sed -n 's/^Mutator coverage: \([0-9.]*\)%.*/\1/p' <<<"$out")
  if [ -z "$got_eff" ] || [ -z "$got_cov" ]; then
    echo "   gremlins gave no figures for $pkg"
    failed+=("$pkg")
  elif [ "${MUTATION_REPORT:-}" != 1 ] && ! awk -v e="$got_eff" -v c="$got_cov" -v te="$eff" -v tc="$cov" 'BEGIN { exit !(e >= te && c >= tc) }'; then
    echo "   under the threshold: efficacy $got_eff% (want $eff%), mutant coverage $got_cov% (want $cov%)"
    failed+=("$pkg")
  fi
  echo "   ($((SECONDS - start)) s)"
done
if ((${#failed[@]})); then
  echo "mutation gate failed for: ${failed[*]}"
  exit 1
fi
