package atomicfile

import (
	"errors"
	"sync"
)

// Step is one step of Write, in the order Write takes them.
type Step string

// Write's steps: each is reported to the hook just before it is taken.
const (
	StepCreate  Step = "create"   // the temp file, in the target's directory (path: the directory)
	StepChmod   Step = "chmod"    // the temp file's mode (path: the temp file)
	StepWrite   Step = "write"    // the data into the temp file
	StepSync    Step = "sync"     // fsync of the temp file
	StepClose   Step = "close"    // the temp file closed
	StepRename  Step = "rename"   // the temp file over the target (path: the target)
	StepSyncDir Step = "sync-dir" // fsync of the directory (path: the directory)
)

// ErrCrash, returned by a hook, simulates a crash at that step: Write stops there and, as a
// killed process would, leaves its temp file behind.
var ErrCrash = errors.New("simulated crash")

var (
	hookMu sync.Mutex
	hook   func(Step, string) error
)

// SetHook makes Write call h before each step, with the step and the path it acts on; an
// error from h stops Write there. It is the seam crash-consistency tests use to record the
// order of the steps or to fail one. The returned function restores the previous hook.
func SetHook(h func(s Step, path string) error) (restore func()) {
	hookMu.Lock()
	defer hookMu.Unlock()
	prev := hook
	hook = h
	return func() {
		hookMu.Lock()
		defer hookMu.Unlock()
		hook = prev
	}
}

// do takes one step: the hook first (an error from it stops Write there, the step not
// taken), then the step itself.
func do(s Step, path string, fn func() error) error {
	hookMu.Lock()
	h := hook
	hookMu.Unlock()
	if h != nil {
		if err := h(s, path); err != nil {
			return err
		}
	}
	return fn()
}
