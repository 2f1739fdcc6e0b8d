//go:build !linux && !windows

package keychain

import "net"

// samePeer: on these systems the socket's 0700 directory and 0600 mode keep others out.
func samePeer(net.Conn) bool { return true }
