package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonDelete removes one member (a string key) or element (an int index) of a JSON document,
// found by path, and leaves every other byte as it was: the rest of a file the user wrote keeps
// its order, spacing and comments-free formatting exactly.
func jsonDelete(data []byte, path []any) ([]byte, error) {
	if len(path) == 0 {
		return nil, errors.New("empty path")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	start, end, err := findSpan(dec, path)
	if err != nil {
		return nil, err
	}
	// start is at the comma before the member (or, for a first member, at the member itself,
	// after its leading spaces); end is right after its value. A first member also takes the
	// comma and spaces that follow it, so the next member moves into its place.
	prefix := bytes.TrimRight(data[:start], " \t\r\n")
	if len(prefix) > 0 && (prefix[len(prefix)-1] == '{' || prefix[len(prefix)-1] == '[') {
		rest := data[end:]
		trimmed := bytes.TrimLeft(rest, " \t\r\n")
		switch {
		case len(trimmed) > 0 && trimmed[0] == ',':
			afterComma := bytes.TrimLeft(trimmed[1:], " \t\r\n")
			end += int64(len(rest) - len(afterComma))
		case len(trimmed) > 0 && (trimmed[0] == '}' || trimmed[0] == ']'):
			// It was the only member: the container becomes {} or [].
			start = int64(len(prefix))
			end += int64(len(rest) - len(trimmed))
		}
	}
	out := append([]byte{}, data[:start]...)
	return append(out, data[end:]...), nil
}

// findSpan walks the decoder to the container named by path[:len-1] and returns the span of
// the member path[len-1] (see jsonDelete).
func findSpan(dec *json.Decoder, path []any) (int64, int64, error) {
	tok, err := dec.Token()
	if err != nil {
		return 0, 0, err
	}
	delim, ok := tok.(json.Delim)
	if !ok || (delim != '{' && delim != '[') {
		return 0, 0, fmt.Errorf("not a container at %v", path)
	}
	want := path[0]
	index := 0
	for dec.More() {
		before := dec.InputOffset()
		match := false
		if delim == '{' {
			keyTok, err := dec.Token()
			if err != nil {
				return 0, 0, err
			}
			key, _ := keyTok.(string)
			match = want == key
		} else {
			match = want == index
		}
		index++
		if match {
			if len(path) == 1 {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return 0, 0, err
				}
				return before, dec.InputOffset(), nil
			}
			return findSpan(dec, path[1:])
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, 0, err
		}
	}
	return 0, 0, fmt.Errorf("%v: %w", path, io.EOF)
}
