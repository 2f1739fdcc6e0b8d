package importer

import (
	"encoding/json"
	"testing"
	// Test binaries link keyring too; without the guard each run with no session bus would
	// leave a dbus-daemon behind.
)

func TestJSONDelete(t *testing.T) {
	cases := []struct {
		in   string
		path []any
		want string
	}{
		{`{"a": 1, "b": 2, "c": 3}`, []any{"b"}, `{"a": 1, "c": 3}`},
		{`{"a": 1, "b": 2, "c": 3}`, []any{"a"}, `{"b": 2, "c": 3}`},
		{`{"a": 1, "b": 2, "c": 3}`, []any{"c"}, `{"a": 1, "b": 2}`},
		{`{"only": {"x": [1]}}`, []any{"only"}, `{}`},
		{"{\n\t\"a\": {\n\t\t\"x\": 1\n\t}\n}", []any{"a", "x"}, "{\n\t\"a\": {}\n}"},
		{`{"t": [ 1 ]}`, []any{"t", 0}, `{"t": []}`},
		{"{\n\t\"auths\": {\n\t\t\"r1\": {\"auth\": \"eA==\"},\n\t\t\"r2\": {}\n\t},\n\t\"z\": true\n}", []any{"auths", "r1"}, "{\n\t\"auths\": {\n\t\t\"r2\": {}\n\t},\n\t\"z\": true\n}"},
		{`{"tokens":[{"t":"a"},{"t":"b"},{"t":"c"}],"token":"b"}`, []any{"tokens", 1}, `{"tokens":[{"t":"a"},{"t":"c"}],"token":"b"}`},
		{`{"tokens":[{"t":"a"},{"t":"b"}],"token":"b"}`, []any{"tokens", 0}, `{"tokens":[{"t":"b"}],"token":"b"}`},
		{`{"k\"ey": "v", "ü": "x"}`, []any{"ü"}, `{"k\"ey": "v"}`},
	}
	for _, c := range cases {
		got, err := jsonDelete([]byte(c.in), c.path)
		if err != nil || string(got) != c.want {
			t.Errorf("jsonDelete(%s, %v) = %s, %v; want %s", c.in, c.path, got, err, c.want)
			continue
		}
		if !json.Valid(got) {
			t.Errorf("invalid JSON: %s", got)
		}
	}
	if _, err := jsonDelete([]byte(`{"a":1}`), []any{"b"}); err == nil {
		t.Error("deleting a missing key succeeded")
	}
}
