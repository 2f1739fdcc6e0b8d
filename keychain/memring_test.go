package keychain

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/99designs/keyring"
)

// memRing is an in-memory keyring that counts reads, for resolution and cost tests.
type memRing struct {
	mu    sync.Mutex
	items map[string]keyring.Item
	gets  atomic.Int64
	keys  atomic.Int64
}

func newMemRing() *memRing { return &memRing{items: map[string]keyring.Item{}} }

func (m *memRing) Get(key string) (keyring.Item, error) {
	m.gets.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[key]
	if !ok {
		return keyring.Item{}, keyring.ErrKeyNotFound
	}
	return it, nil
}

func (m *memRing) GetMetadata(string) (keyring.Metadata, error) {
	return keyring.Metadata{}, keyring.ErrMetadataNotSupported
}

func (m *memRing) Set(it keyring.Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[it.Key] = it
	return nil
}

func (m *memRing) Remove(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[key]; !ok {
		return keyring.ErrKeyNotFound
	}
	delete(m.items, key)
	return nil
}

func (m *memRing) Keys() ([]string, error) {
	m.keys.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.items {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

func keyringItem(key string, data []byte) keyring.Item { return keyring.Item{Key: key, Data: data} }
