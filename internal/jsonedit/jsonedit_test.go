package jsonedit

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestDelete(t *testing.T) {
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
		// Every copy of a duplicated key, in every copy of a duplicated parent (matched as Go does).
		{`{"auths": {"r": {"auth": "A"}, "s": 1, "r": {"auth": "B"}}, "x": 1}`, []any{"auths", "r"}, `{"auths": {"s": 1}, "x": 1}`},
		{`{"auths": {"r": 1}, "Auths": {"r": 2, "q": 3}}`, []any{Fold("auths"), "r"}, `{"auths": {}, "Auths": {"q": 3}}`},
		{`{"a": 1, "a": 2}`, []any{"a"}, `{}`},
		{`{"a": null, "b": {"c": 1}}`, []any{"a", "c"}, ``}, // nothing below a scalar
	}
	for _, c := range cases {
		got, err := Delete([]byte(c.in), c.path...)
		if c.want == "" {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Delete(%s, %v) = %s, %v; want ErrNotFound", c.in, c.path, got, err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("Delete(%s, %v) = %s, %v; want %s", c.in, c.path, got, err, c.want)
			continue
		}
		if !json.Valid(got) {
			t.Errorf("invalid JSON: %s", got)
		}
	}
	if _, err := Delete([]byte(`{"a":1}`), "b"); !errors.Is(err, ErrNotFound) {
		t.Error("deleting a missing key succeeded")
	}
	if _, err := Find([]byte(`{"a":1} {}`), "a"); err == nil {
		t.Error("two documents accepted")
	}
}

func TestInsertReplace(t *testing.T) {
	for _, c := range []struct{ in, key, value, want string }{
		{`{}`, "k", `"v"`, `{"k": "v"}`},
		{"{\n}\n", "k", `"v"`, "{\n\t\"k\": \"v\"\n}\n"},
		{" { } \n", "k", `"v"`, " {\"k\": \"v\"} \n"},
		{`{"a": 1}`, "k", `"v"`, `{"a": 1, "k": "v"}`},
		{"{\n\t\"a\": 1\n}\n", "k", `{"r": "tok"}`, "{\n\t\"a\": 1,\n\t\"k\": {\"r\": \"tok\"}\n}\n"},
	} {
		s, e := Root([]byte(c.in))
		got, err := Insert([]byte(c.in), s, e, c.key, []byte(c.value))
		if err != nil || string(got) != c.want || !json.Valid(got) {
			t.Errorf("Insert(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	in := `{"credsStore": "x", "b": 1, "CREDSSTORE": null}`
	ms, _ := Find([]byte(in), Fold("credsStore"))
	if got := string(Replace([]byte(in), ms, []byte(`"tok"`))); got != `{"credsStore": "tok", "b": 1, "CREDSSTORE": "tok"}` {
		t.Errorf("Replace = %s", got)
	}
}
