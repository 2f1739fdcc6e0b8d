// Package hostname holds the host-name rules several packages share: which names are this
// machine's own (loopback).
package hostname

import (
	"net"
	"strings"
)

// IsLoopback reports whether host (a name or an IP, brackets allowed) is this machine:
// localhost, a name under .localhost, or a loopback address.
func IsLoopback(host string) bool {
	h := strings.Trim(host, "[]")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
