package cli

import (
	"fmt"
	"strings"
	"time"
)

// relTime says "in 3h", "2d ago": how far t is from now, in the largest sensible unit.
func relTime(t, now time.Time) string {
	d := t.Sub(now)
	future := d >= 0
	if !future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d.Hours()))
	default:
		s = fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// expiryText is "expires in 3h", "expired 2d ago" or "no expiry".
func expiryText(exp, now time.Time) string {
	if exp.IsZero() {
		return "no expiry"
	}
	if !now.Before(exp) {
		return "expired " + relTime(exp, now)
	}
	return "expires " + relTime(exp, now)
}

// parseExpiry reads --expires: RFC 3339, a date, or a duration from now ("90d", "12h").
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC(), nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n > 0 && fmt.Sprint(n) == days {
			return now.Add(time.Duration(n) * 24 * time.Hour).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d).UTC(), nil
	}
	return time.Time{}, usageError("--expires %q: give a date (2026-12-31), a time (RFC 3339) or a duration (90d, 12h)", s)
}
