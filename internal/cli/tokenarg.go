package cli

import (
	"math"
	"strings"

	"github.com/tok-dev/tok/platform"
)

// refuseTokenArg refuses a TARGET (or REGISTRY) argument that looks like a token pasted in
// the wrong place, without printing it: an error naming it would put it on stderr, in logs
// and in CI output.
func refuseTokenArg(arg string, reg *platform.Registry) error {
	if looksLikeToken(arg, reg) {
		return usageError("the argument looks like a token, not a target, so tok does not show it: give the URL, host or platform the token is for (tok set TARGET reads the token from standard input); a host of that shape passes as a URL, https://HOST")
	}
	return nil
}

// tokenPrefixes are well-known token shapes beyond tok's platforms' own (platform.TokenPrefix).
var tokenPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "glrt-", "pypi-", "npm_", "hf_", "xoxb-", "xoxp-", "xapp-"}

// looksLikeToken reports whether any word of s is shaped like a token: a JWT, or, in a word
// with no dot, slash or colon (so not a URL or a host with a domain), a platform's or a
// well-known prefix with a long tail, 32 or more hex digits (a CAVE token), or a run of 20 or
// more letters and digits mixing both with the spread of random text. Host names, platform
// names and URLs pass: their words are short, or carry dots.
func looksLikeToken(s string, reg *platform.Registry) bool {
	if reg == nil {
		reg = platform.Builtin()
	}
	for _, w := range strings.Fields(s) {
		if jwtShaped(w) {
			return true
		}
		if strings.ContainsAny(w, ".:/") {
			continue // a URL, or a host with a domain
		}
		if _, ok := reg.Detect(w); ok && len(w) >= 12 {
			return true
		}
		for _, p := range tokenPrefixes {
			if strings.HasPrefix(w, p) && len(w) >= len(p)+16 {
				return true
			}
		}
		if len(w) >= 32 && strings.Trim(w, "0123456789abcdefABCDEF") == "" {
			return true
		}
		if randomRun(w) {
			return true
		}
	}
	return false
}

// jwtShaped: three base64url parts, the first an encoded JSON object.
func jwtShaped(w string) bool {
	parts := strings.Split(w, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "eyJ") || len(parts[1]) < 4 {
		return false
	}
	for _, p := range parts {
		if strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") != "" {
			return false
		}
	}
	return true
}

// randomRun: a run of at least 20 ASCII letters and digits that mixes both, at more than 3.5
// bits a character (English words and host names stay well below).
func randomRun(w string) bool {
	start := 0
	for i := 0; i <= len(w); i++ {
		if i < len(w) && isAlnum(w[i]) {
			continue
		}
		if run := w[start:i]; len(run) >= 20 && strings.ContainsAny(run, "0123456789") && strings.Trim(run, "0123456789") != "" && entropy(run) > 3.5 {
			return true
		}
		start = i + 1
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// entropy is the Shannon entropy of s's bytes, in bits a byte.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / float64(len(s))
			h -= p * math.Log2(p)
		}
	}
	return h
}
