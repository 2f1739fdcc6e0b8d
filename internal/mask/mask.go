// Package mask hides secrets in a stream: a Writer replaces every occurrence of a secret, as
// is, base64'd (standard and URL alphabets, at each of the three alignments a secret can have
// inside a longer encoded text) and URL-encoded, with <tok:NAME>. It works on a stream: a
// secret split across two writes is still caught, and memory holds at most one write plus the
// longest pattern, whatever the output's size.
package mask

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/url"
	"sort"
	"sync"
)

// MinLen is the shortest secret masked: shorter ones would hide ordinary text.
const MinLen = 6

// Secret is a value to hide and the name shown instead.
type Secret struct {
	Name  string
	Value string
}

type pattern struct {
	text  []byte
	label []byte
}

// Patterns returns the texts that reveal secret: the value, its URL encodings, and the parts of
// its base64 encodings that do not depend on the bytes around it.
func Patterns(value string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if len(s) >= MinLen && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(value)
	add(url.QueryEscape(value))
	add(url.PathEscape(value))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for align := 0; align < 3; align++ {
			// The secret after align bytes of other data: the characters that encode only
			// its own bytes start after the partial group that holds the prefix, and end
			// before the partial group that the following bytes complete.
			prefix := make([]byte, align)
			e := enc.EncodeToString(append(prefix, value...))
			start := 0
			if align > 0 {
				start = (align*8 + 5) / 6 // characters touched by the prefix bytes
			}
			end := ((align + len(value)) * 8) / 6 // characters wholly inside prefix+secret
			if end > start && end <= len(e) {
				add(e[start:end])
			}
			if align == 0 {
				add(e) // the whole secret alone, with its padding
				add(base64.RawStdEncoding.EncodeToString([]byte(value)))
			}
		}
	}
	return out
}

// Writer replaces secrets in what is written to it before passing it on. It is safe for
// concurrent use (a program's stdout and stderr may share one).
type Writer struct {
	mu       sync.Mutex
	w        io.Writer
	patterns []pattern
	first    [256]bool // bytes that start a pattern
	maxLen   int
	minLen   int
	shift    []uint8          // Wu-Manber shift per block hash
	ends     map[uint16][]int // patterns whose first minLen bytes end in that block
	buf      []byte           // held bytes: a possible start of a secret
	out      []byte
}

// NewWriter returns a Writer that writes to w with secrets replaced. Secrets shorter than
// MinLen are not masked.
func NewWriter(w io.Writer, secrets []Secret) *Writer {
	m := &Writer{w: w}
	for _, s := range secrets {
		for _, p := range Patterns(s.Value) {
			m.patterns = append(m.patterns, pattern{text: []byte(p), label: []byte("<tok:" + s.Name + ">")})
		}
	}
	// The longest first, so a pattern that holds another is replaced whole.
	sort.SliceStable(m.patterns, func(i, j int) bool { return len(m.patterns[i].text) > len(m.patterns[j].text) })
	for _, p := range m.patterns {
		m.first[p.text[0]] = true
		m.maxLen = max(m.maxLen, len(p.text))
	}
	if len(m.patterns) > 0 {
		m.index()
	}
	return m
}

// Write masks p and writes what is safe to write; a tail that may be the start of a secret is
// held until the next write or Close.
func (m *Writer) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.patterns) == 0 {
		return m.w.Write(p)
	}
	var data []byte
	if len(m.buf) == 0 {
		data = p
	} else {
		m.buf = append(m.buf, p...)
		data = m.buf
	}
	m.out = m.out[:0]
	done := m.replace(data)
	hold := m.held(data[done:])
	toWrite := data[:len(data)-hold] // no secret in it: written as it is, without a copy
	if done > 0 {
		m.out = append(m.out, data[done:len(data)-hold]...)
		toWrite = m.out
	}
	if len(toWrite) > 0 {
		if _, err := m.w.Write(toWrite); err != nil {
			return 0, err
		}
	}
	rest := data[len(data)-hold:]
	if len(m.buf) == 0 {
		m.buf = append(m.buf, rest...)
	} else {
		m.buf = append(m.buf[:0], rest...) // a move within buf: rest lies after its start
	}
	if cap(m.out) > 1<<20 {
		m.out = nil
	}
	if cap(m.buf) > 1<<20 {
		m.buf = append([]byte(nil), m.buf...)
	}
	return len(p), nil
}

// replace appends data to m.out with every whole pattern replaced and returns how far it got:
// what is left holds no whole pattern.
func (m *Writer) replace(data []byte) int {
	pos := 0
	for {
		at, best := m.find(data, pos)
		if best < 0 {
			return pos
		}
		m.out = append(m.out, data[pos:at]...)
		m.out = append(m.out, m.patterns[best].label...)
		pos = at + len(m.patterns[best].text)
	}
}

// block hashes the block bytes ending at data[i] (block bytes long) into the shift table.
func blockHash(data []byte, i int) uint16 {
	return uint16(data[i-2])<<10 ^ uint16(data[i-1])<<5 ^ uint16(data[i])
}

const block = 3

// index prepares find: Wu and Manber's multi-pattern search. Every pattern is at least
// minLen long; shift says how far a window of minLen bytes can move when its last block is h
// without passing the start of a match; a window whose block ends some pattern's first
// minLen bytes (shift 0) is checked against those patterns.
func (m *Writer) index() {
	m.minLen = len(m.patterns[0].text)
	for _, p := range m.patterns {
		m.minLen = min(m.minLen, len(p.text))
	}
	m.shift = make([]uint8, 1<<16)
	def := min(m.minLen-block+1, 255)
	for i := range m.shift {
		m.shift[i] = uint8(def)
	}
	m.ends = map[uint16][]int{}
	for pi, p := range m.patterns {
		for q := block; q <= m.minLen; q++ {
			h := blockHash(p.text, q-1)
			if d := m.minLen - q; d < int(m.shift[h]) {
				m.shift[h] = uint8(d)
			}
			if q == m.minLen {
				m.ends[h] = append(m.ends[h], pi) // longest first, as patterns are
			}
		}
	}
}

// find returns where the leftmost pattern at or after from starts in data and which pattern
// it is (the longest of those starting there); best is -1 when there is none.
func (m *Writer) find(data []byte, from int) (at, best int) {
	for end := from + m.minLen - 1; end < len(data); {
		h := blockHash(data, end)
		if d := m.shift[h]; d > 0 {
			end += int(d)
			continue
		}
		start := end - m.minLen + 1
		for _, pi := range m.ends[h] {
			if bytes.HasPrefix(data[start:], m.patterns[pi].text) {
				return start, pi
			}
		}
		end++
	}
	return -1, -1
}

// held is how many bytes at the end of data could begin a pattern.
func (m *Writer) held(data []byte) int {
	from := max(0, len(data)-m.maxLen+1)
	for i := from; i < len(data); i++ {
		if !m.first[data[i]] {
			continue
		}
		tail := data[i:]
		for _, p := range m.patterns {
			if len(p.text) > len(tail) && bytes.HasPrefix(p.text, tail) {
				return len(data) - i
			}
		}
	}
	return 0
}

// Flush writes what is held: the stream has ended, so it cannot become a secret.
func (m *Writer) Flush() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.buf) == 0 {
		return nil
	}
	_, err := m.w.Write(m.buf)
	m.buf = m.buf[:0]
	return err
}

// ReadFrom masks everything r holds into the writer, reading in large blocks (io.Copy, and so
// os/exec's copying of a program's output, uses it).
func (m *Writer) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		if k > 0 {
			n += int64(k)
			if _, werr := m.Write(buf[:k]); werr != nil {
				return n, werr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
