//go:build !windows

package inject

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// TestCoalesceMergesCopies: copies of a signal that arrive together (GNU timeout sends one to
// tok and one to its group) are passed on once, as the kernel merges a pending signal; other
// signals among them are kept, in order.
func TestCoalesceMergesCopies(t *testing.T) {
	more := make(chan os.Signal, 4)
	more <- syscall.SIGINT
	more <- syscall.SIGCONT
	more <- syscall.SIGCONT
	got := coalesce(syscall.SIGINT, more)
	if fmt.Sprint(got) != fmt.Sprint([]syscall.Signal{syscall.SIGINT, syscall.SIGCONT}) {
		t.Fatalf("coalesce gave %v", got)
	}
}
