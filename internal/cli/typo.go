package cli

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/tok-dev/tok/internal/hostname"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// errLikelyTypo marks a TARGET refused by checkTypo; tok set --force stores it as given.
var errLikelyTypo = errors.New("the target is not a platform tok knows, nor a host with a dot, localhost or an IP address")

// checkTypo is the one rule for what a TARGET that is not a platform name may be: a URL with
// its scheme written out (https://intranet), a host with a dot (api.example.org, *.example.org),
// localhost or an IP address. Anything else ("curvnote", "https//api.foo.org") is most likely a
// typo, and storing it would make a record no request ever reaches; it is refused, naming the
// platform it is closest to. The argument itself is not repeated: a token pasted in the wrong
// place must not reach a log.
func checkTypo(arg string, reg *platform.Registry) error {
	s := strings.TrimSpace(arg)
	if _, ok := reg.Named(s); ok && !strings.ContainsAny(s, ".:/") {
		return nil
	}
	if strings.Contains(s, "://") {
		return nil // the scheme is written out; ParseTarget judges the rest
	}
	t, err := keychain.ParseTarget(s)
	if err != nil {
		return nil // ParseTarget's own error says what is wrong
	}
	host := strings.TrimPrefix(t.Host, "*.")
	if strings.Contains(host, ".") || hostname.IsLoopback(host) || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return nil
	}
	hint := "if it is a host on your network, give its URL (https://NAME)"
	switch {
	case host == "https" || host == "http":
		hint = "did you mean a URL? Write the scheme as https:// (a colon and two slashes)"
	case closestName(host, reg.Names()) != "":
		hint = "did you mean " + closestName(host, reg.Names()) + "? (" + hint + ")"
	}
	return withCode(2, fmt.Errorf("%w: %s; tok set --force stores it as given", errLikelyTypo, hint))
}

// closestName is the name within two edits of word (the nearest; ties by order), or "".
func closestName(word string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(word), n); d < bestD && d < len(n) {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counting an adjacent swap as one
// edit (the commonest typo).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
