package keychain

import (
	"testing"
	"time"
)

// TestCeilUnix: an unlock's end is kept in whole seconds rounded up, never cut short.
func TestCeilUnix(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(10, 0), 10},
		{time.Unix(10, 1), 11},
		{time.Unix(10, 999_999_999), 11},
	} {
		if got := ceilUnix(c.t); got != c.want {
			t.Errorf("ceilUnix(%v) = %d, want %d", c.t, got, c.want)
		}
	}
}
