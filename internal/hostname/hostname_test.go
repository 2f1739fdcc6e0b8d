package hostname

import "testing"

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost":           true,
		"a.localhost":         true,
		"x.y.localhost":       true,
		"127.0.0.1":           true,
		"127.8.9.10":          true,
		"::1":                 true,
		"[::1]":               true,
		"evillocalhost":       false,
		"localhost.evil.org":  false,
		"localhostx":          false,
		"notlocalhost.org":    false,
		"xlocalhost":          false,
		"128.0.0.1":           false,
		"[::2]":               false,
		"10.0.0.1":            false,
		"":                    false,
		"localhost.localhost": true,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}
