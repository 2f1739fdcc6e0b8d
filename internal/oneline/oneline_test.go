package oneline

import (
	"errors"
	"testing"
)

func TestError(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                  "plain",
		"  spaced \n":            "spaced",
		"two\nlines":             "two lines",
		"crlf\r\nline\rcr":       "crlf line cr",
		"keeps\ttabs and  space": "keeps\ttabs and  space",
	} {
		if got := Error(errors.New(in)); got != want {
			t.Errorf("Error(%q) = %q, want %q", in, got, want)
		}
	}
}
