// Package jsonedit edits a JSON document in place: it deletes or sets members found by path and
// leaves every other byte as it was, so the rest of a file a person or another program wrote
// keeps its order, spacing and duplicate keys exactly. A path step is a string (a member's exact
// key), an int (an array index) or a Key function (any member whose key it accepts: Go's
// encoding/json matches struct fields case-insensitively, and a key may appear more than once).
// Every step matches every member it accepts, so an edit reaches each copy of a duplicated key.
package jsonedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Key matches object members by their key.
type Key func(string) bool

// Fold matches a key as Go's encoding/json matches a struct field's name: in any case.
func Fold(name string) Key { return func(k string) bool { return strings.EqualFold(k, name) } }

// Member is one member (or element) found by Find.
type Member struct {
	Key                  string
	Start, End           int // the member: from the comma before it (or its key) to the end of its value
	ValueStart, ValueEnd int
	Value                json.RawMessage
}

// ErrNotFound is returned by Delete when nothing matches the path.
var ErrNotFound = errors.New("not in the document")

func matches(step any, key string, index int, inObject bool) bool {
	switch s := step.(type) {
	case string:
		return inObject && s == key
	case Key:
		return inObject && s(key)
	case int:
		return !inObject && s == index
	}
	return false
}

// Find returns every member the path reaches, in document order. A step that reaches a value
// that is not a container (null, a string ...) finds nothing below it.
func Find(data []byte, path ...any) ([]Member, error) {
	if len(path) == 0 {
		return nil, errors.New("empty path")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []Member
	if err := walk(dec, path, &out); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("more than one JSON value")
	}
	return out, nil
}

// walk reads one value from dec, collecting the members path reaches inside it.
func walk(dec *json.Decoder, path []any, out *[]Member) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar: nothing inside
	}
	inObject := delim == '{'
	for index := 0; dec.More(); index++ {
		before := dec.InputOffset()
		key := ""
		if inObject {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ = kt.(string)
		}
		if !matches(path[0], key, index, inObject) {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if len(path) > 1 {
			if err := walk(dec, path[1:], out); err != nil {
				return err
			}
			continue
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		end := int(dec.InputOffset())
		*out = append(*out, Member{Key: key, Start: int(before), End: end, ValueStart: end - len(v), ValueEnd: end, Value: v})
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// Delete removes every member the path reaches. A first member also takes the comma and spaces
// after it, so the next member moves into its place; an only member leaves {} or [].
func Delete(data []byte, path ...any) ([]byte, error) {
	ms, err := Find(data, path...)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("%v: %w", path, ErrNotFound)
	}
	return DeleteMembers(data, ms), nil
}

// DeleteMembers removes members found by Find on data.
func DeleteMembers(data []byte, ms []Member) []byte {
	ms = append([]Member{}, ms...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Start > ms[j].Start }) // last first: earlier offsets stay valid
	out := append([]byte{}, data...)
	for _, m := range ms {
		start, end := m.Start, m.End
		prefix := bytes.TrimRight(out[:start], " \t\r\n")
		if len(prefix) > 0 && (prefix[len(prefix)-1] == '{' || prefix[len(prefix)-1] == '[') {
			rest := out[end:]
			trimmed := bytes.TrimLeft(rest, " \t\r\n")
			switch {
			case len(trimmed) > 0 && trimmed[0] == ',':
				afterComma := bytes.TrimLeft(trimmed[1:], " \t\r\n")
				end += len(rest) - len(afterComma)
			case len(trimmed) > 0 && (trimmed[0] == '}' || trimmed[0] == ']'):
				start = len(prefix) // it was the only member: the container becomes {} or []
				end += len(rest) - len(trimmed)
			}
		}
		out = append(out[:start:start], out[end:]...)
	}
	return out
}

// Replace puts value in place of each member's value.
func Replace(data []byte, ms []Member, value []byte) []byte {
	ms = append([]Member{}, ms...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Start > ms[j].Start })
	out := append([]byte{}, data...)
	for _, m := range ms {
		out = append(out[:m.ValueStart:m.ValueStart], append(append([]byte{}, value...), out[m.ValueEnd:]...)...)
	}
	return out
}

// Insert adds the member "key": value at the end of the object whose value span is
// [start, end) (an object found by Find, or the whole document), following the indentation of
// its first member.
func Insert(data []byte, start, end int, key string, value []byte) ([]byte, error) {
	obj := bytes.TrimSpace(data[start:end])
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return nil, errors.New("not an object")
	}
	open := start + bytes.IndexByte(data[start:end], '{')
	closing := start + bytes.LastIndexByte(data[start:end], '}')
	k, _ := json.Marshal(key)
	member := append(append(k, ':', ' '), value...)
	inner := data[open+1 : closing]
	var out []byte
	if len(bytes.TrimSpace(inner)) == 0 {
		out = append([]byte{}, data[:open+1]...)
		if bytes.ContainsAny(inner, "\n") { // "{\n}": one member a line, tab-indented
			out = append(append(append(out, "\n\t"...), member...), inner...)
		} else {
			out = append(out, member...)
		}
		return append(out, data[closing:]...), nil
	}
	indent := inner[:len(inner)-len(bytes.TrimLeft(inner, " \t\r\n"))]
	sep := []byte(", ")
	if bytes.ContainsAny(indent, "\n") {
		sep = append([]byte{','}, indent...)
	}
	last := open + 1 + len(bytes.TrimRight(inner, " \t\r\n")) // right after the last member's value
	out = append(append([]byte{}, data[:last]...), sep...)
	out = append(out, member...)
	return append(out, data[last:]...), nil
}

// Root returns the span of the document's one value, with its surrounding spaces excluded.
func Root(data []byte) (int, int) {
	lead := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	return lead, len(bytes.TrimRight(data, " \t\r\n"))
}
