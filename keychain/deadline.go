package keychain

import (
	"errors"
	"fmt"
	"time"

	"github.com/99designs/keyring"
)

// Deadlines for backend calls: helpers answer git and docker, which wait on them; interactive
// commands may be waiting for an unlock dialog the user is answering.
const (
	DefaultHelperTimeout      = 3 * time.Second
	DefaultInteractiveTimeout = 60 * time.Second
)

// ErrTimeout means a backend did not answer within its deadline.
var ErrTimeout = errors.New("did not answer in time")

// withDeadline runs fn, giving up after timeout. A call that times out keeps running in its
// goroutine; the process is about to report the error and exit, so nothing waits for it.
func withDeadline[T any](backend string, timeout time.Duration, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-timer.C:
		var zero T
		return zero, fmt.Errorf("the %s backend %w (%s); it may be locked or waiting for a prompt: run tok doctor", backend, ErrTimeout, timeout)
	}
}

// timedRing puts a deadline on every call of the keyring it wraps.
type timedRing struct {
	ring    keyring.Keyring
	backend string
	timeout time.Duration
}

func (r timedRing) Get(key string) (keyring.Item, error) {
	return withDeadline(r.backend, r.timeout, func() (keyring.Item, error) { return r.ring.Get(key) })
}

func (r timedRing) GetMetadata(key string) (keyring.Metadata, error) {
	return withDeadline(r.backend, r.timeout, func() (keyring.Metadata, error) { return r.ring.GetMetadata(key) })
}

func (r timedRing) Set(item keyring.Item) error {
	_, err := withDeadline(r.backend, r.timeout, func() (struct{}, error) { return struct{}{}, r.ring.Set(item) })
	return err
}

func (r timedRing) Remove(key string) error {
	_, err := withDeadline(r.backend, r.timeout, func() (struct{}, error) { return struct{}{}, r.ring.Remove(key) })
	return err
}

func (r timedRing) Keys() ([]string, error) {
	return withDeadline(r.backend, r.timeout, r.ring.Keys)
}
