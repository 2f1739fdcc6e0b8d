package keychain

import (
	"fmt"
	"testing"
	"time"
)

func BenchmarkDecodeIndex(b *testing.B) {
	var entries []IndexEntry
	for i := 0; i < 1000; i++ {
		entries = append(entries, IndexEntry{Key: Target{Scheme: "https", Host: fmt.Sprintf("cave%d.example.org", i)}, Platform: "cave", Created: time.Now()})
	}
	data := encodeIndex(entries)
	b.Logf("%d entries: %d bytes", len(entries), len(data))
	for i := 0; i < b.N; i++ {
		if _, err := decodeIndex(data); err != nil {
			b.Fatal(err)
		}
	}
}
