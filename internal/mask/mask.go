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
	buf      []byte // held bytes: a possible start of a secret
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
	m.out = append(m.out, data[done:len(data)-hold]...)
	rest := data[len(data)-hold:]
	if len(m.buf) == 0 {
		m.buf = append(m.buf, rest...)
	} else {
		m.buf = append(m.buf[:0], rest...) // copy within: rest is inside buf, after the start
	}
	if len(m.out) > 0 {
		if _, err := m.w.Write(m.out); err != nil {
			return 0, err
		}
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
	next := make([]int, len(m.patterns)) // next match of each pattern at or after pos, -1 none
	for i, p := range m.patterns {
		next[i] = bytes.Index(data, p.text)
	}
	pos := 0
	for {
		best := -1
		for i, at := range next {
			if at >= 0 && (best < 0 || at < next[best]) {
				best = i
			}
		}
		if best < 0 {
			return pos
		}
		at := next[best]
		m.out = append(m.out, data[pos:at]...)
		m.out = append(m.out, m.patterns[best].label...)
		pos = at + len(m.patterns[best].text)
		for i, p := range m.patterns {
			if next[i] >= 0 && next[i] < pos {
				if j := bytes.Index(data[pos:], p.text); j >= 0 {
					next[i] = pos + j
				} else {
					next[i] = -1
				}
			}
		}
	}
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
