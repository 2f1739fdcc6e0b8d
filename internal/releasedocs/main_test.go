package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/internal/testenv"
)

// TestWrite: every file the packages install is made, and each man page renders with man(1)
// to a page whose NAME line names its binary.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"completions/tok.bash", "completions/_tok", "completions/tok.fish"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Contains(data, []byte("tok")) {
			t.Errorf("%s: %v %q", name, err, data)
		}
	}
	testenv.Require(t, testenv.Have("man"), "man (apt install man-db)")
	for _, bin := range []string{"tok", "git-credential-tok", "docker-credential-tok"} {
		page := filepath.Join(dir, "man", bin+".1.gz")
		f, err := os.Open(page)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s is not gzip: %v", page, err)
		}
		if _, err := io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out, err := exec.Command("man", "-l", "-P", "cat", page).Output()
		if err != nil {
			t.Fatalf("man -l %s: %v", page, err)
		}
		if !regexp.MustCompile(`(?m)^ +` + regexp.QuoteMeta(bin) + ` +- `).Match(out) {
			t.Errorf("man %s has no NAME line:\n%s", bin, out)
		}
	}
}

// TestHelperManEscapes: text that roff would take as a request or an escape is printed as
// it is written.
func TestHelperManEscapes(t *testing.T) {
	testenv.Require(t, testenv.Have("man"), "man (apt install man-db)")
	p := setup.HelperPage{Name: "x-tok", Summary: `a \fBbold\fR try`, Synopsis: []string{"x-tok get"},
		Body: ".TH BROKEN 9\n'br\n   .nf example\nafter"}
	path := filepath.Join(t.TempDir(), "x-tok.1")
	if err := os.WriteFile(path, []byte(helperMan(p)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("man", "-l", "-P", "cat", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{`a \fBbold\fR try`, ".TH BROKEN 9", "'br", ".nf example", "X-TOK(1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lost %q:\n%s", want, text)
		}
	}
}
