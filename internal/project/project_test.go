package project

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docker/cli/pkg/kvfile"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/keychain"
)

const debianPython = "/usr/bin/python3"

func TestParseRef(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Ref
	}{
		{"tok://cave", Ref{Target: "cave", Field: "token"}},
		{"tok://cave#token", Ref{Target: "cave", Field: "token"}},
		{"tok://codeocean#domain", Ref{Target: "codeocean", Field: "domain"}},
		{"tok://https://bob@api.curvenote.com", Ref{Target: "https://api.curvenote.com", Username: "bob", Field: "token"}},
		{"tok://https://bob@api.curvenote.com/v1#username", Ref{Target: "https://api.curvenote.com/v1", Username: "bob", Field: "username"}},
		{"tok://bob@api.curvenote.com", Ref{Target: "api.curvenote.com", Username: "bob", Field: "token"}},
		{"tok://minnie.microns-daf.com", Ref{Target: "minnie.microns-daf.com", Field: "token"}},
	} {
		got, ok, err := ParseRef(c.in)
		if !ok || err != nil || got != c.want {
			t.Errorf("ParseRef(%q) = %+v, %v, %v; want %+v", c.in, got, ok, err, c.want)
		}
		if back, _, _ := ParseRef(got.String()); back != got {
			t.Errorf("%q: String() %q reads back as %+v", c.in, got.String(), back)
		}
	}
	for _, in := range []string{"tok://", "tok://cave#secret", "tok://https://bob:pw@api.curvenote.com", "tok://bob:pw@host", "tok://https://", "tok://#token"} {
		if _, ok, err := ParseRef(in); !ok || err == nil {
			t.Errorf("ParseRef(%q): ok=%v err=%v; want a refusal", in, ok, err)
		}
	}
	if _, ok, _ := ParseRef("https://example.org"); ok {
		t.Error("a plain URL is not a reference")
	}
}

func parseString(t *testing.T, s string) (*File, error) {
	t.Helper()
	return Parse(strings.NewReader(s), "tok.env")
}

func TestParseKeepsValuesAndRefs(t *testing.T) {
	f, err := parseString(t, "# analysis\n\nCAVE_TOKEN=tok://cave\n  # indented comment\nDATASTACK=minnie65_public\nEMPTY=\nCURVENOTE_TOKEN=tok://https://bob@api.curvenote.com\nURL=https://x.org/a?b=c&d=e#frag\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range f.Entries {
		got = append(got, e.Name+"="+e.Value+map[bool]string{true: " (ref)", false: ""}[e.Ref != nil])
	}
	want := []string{"CAVE_TOKEN=tok://cave (ref)", "DATASTACK=minnie65_public", "EMPTY=", "CURVENOTE_TOKEN=tok://https://bob@api.curvenote.com (ref)", "URL=https://x.org/a?b=c&d=e#frag"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if f.Entries[3].Line != 7 {
		t.Errorf("line numbers: %d", f.Entries[3].Line)
	}
}

// refused are lines python-dotenv and docker's --env-file read differently (or a rule of tok's
// own refuses); each must be refused with its line number.
var refused = []string{
	"export A=b",
	"A = b",
	"A =b",
	"A= b",
	"A=b ",
	`A="b"`,
	`A='b'`,
	"A=b #comment",
	"A=${HOME}",
	"A",
	"A B=c",
	"1A=b",
	"LD_PRELOAD=/tmp/x.so",
	"PATH=/tmp",
	"A=TOK://cave",
	"A=see tok://cave",
	"A=tok://cave#secret",
	"A=b\rc",
}

func TestParseRefusesAmbiguousLines(t *testing.T) {
	for _, line := range refused {
		_, err := parseString(t, "OK=1\n"+line+"\n")
		if err == nil || !strings.Contains(err.Error(), "tok.env:2:") {
			t.Errorf("%q: err = %v; want a refusal naming tok.env:2", line, err)
		}
	}
	if _, err := parseString(t, "A=1\nA=2\n"); err == nil || !strings.Contains(err.Error(), "first on line 1") {
		t.Errorf("a name set twice: %v", err)
	}
	if _, err := parseString(t, "\ufeffA=1\n"); err == nil {
		t.Error("a byte-order mark must be refused")
	}
	if _, err := parseString(t, "A=\xff\n"); err == nil {
		t.Error("invalid UTF-8 must be refused")
	}
}

// TestParseAgreesWithDotenvAndDocker reads every accepted file with python-dotenv (Debian's) and
// docker's own env-file parser and checks the three agree; and shows that the quoting and
// comment lines tok refuses really are read differently by the two.
func TestParseAgreesWithDotenvAndDocker(t *testing.T) {
	testenv.Require(t, testenv.FileExists(debianPython) && exec.Command(debianPython, "-c", "import dotenv").Run() == nil,
		"Debian's python3-dotenv (apt install python3-dotenv)")
	accepted := []string{
		"A=tok://cave\nB=tok://https://bob@api.curvenote.com#username\nC=tok://codeocean#domain\n",
		"A=plain\nB=\nC=with space inside\nD=a=b=c\nE=x#notcomment\nF=$HOME\nG=50%\n",
		"# comment\n\n  # indented\nA=1\r\nB=2\r\n",
		"A=https://global.daf-apis.com/auth?x=1&y=2\nB=ünïcode\nC=a'b\"c\n",
		"A=trailing\nB=last-line-no-newline",
		"  A=indented\n\tB=tabbed\nC=back\\slash\\n\n",
	}
	dir := t.TempDir()
	var paths []string
	want := []map[string]string{}
	for i, content := range accepted {
		p := filepath.Join(dir, "ok"+string(rune('a'+i))+".env")
		os.WriteFile(p, []byte(content), 0o600)
		f, err := Load(p)
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		m := map[string]string{}
		for _, e := range f.Entries {
			m[e.Name] = e.Value
		}
		want = append(want, m)
		paths = append(paths, p)
		lines, err := kvfile.Parse(p, func(string) (string, bool) { return "from-env", true })
		if err != nil {
			t.Fatalf("docker: %q: %v", content, err)
		}
		dm := map[string]string{}
		for _, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			dm[k] = v
		}
		if !reflect.DeepEqual(dm, m) {
			t.Errorf("docker reads %q as %q; tok as %q", content, dm, m)
		}
	}
	var differ []string
	for i, line := range refused[:10] { // the quoting, blank and comment lines
		p := filepath.Join(dir, "bad"+string(rune('a'+i))+".env")
		os.WriteFile(p, []byte(line+"\n"), 0o600)
		differ = append(differ, p)
	}
	in, _ := json.Marshal(append(append([]string{}, paths...), differ...))
	cmd := exec.Command(debianPython, "-c", `
import json, sys, dotenv
out = []
for p in json.loads(sys.argv[1]):
    out.append({k: v for k, v in dotenv.dotenv_values(p).items()})
print(json.dumps(out))`, string(in))
	cmd.Env = append(os.Environ(), "HOME=/home/someone")
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("python-dotenv: %v", err)
	}
	var got []map[string]*string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for i := range paths {
		m := map[string]string{}
		for k, v := range got[i] {
			if v == nil {
				t.Errorf("python-dotenv reads %s with no value", k)
				continue
			}
			m[k] = *v
		}
		if !reflect.DeepEqual(m, want[i]) {
			t.Errorf("python-dotenv reads %q as %q; tok as %q", accepted[i], m, want[i])
		}
	}
	for i, p := range differ {
		py := got[len(paths)+i]
		lines, derr := kvfile.Parse(p, func(string) (string, bool) { return "from-env", true })
		dm := map[string]*string{}
		for _, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			dm[k] = &v
		}
		if derr == nil && reflect.DeepEqual(dm, py) {
			t.Errorf("%q: python-dotenv and docker agree (%v), so tok need not refuse it", refused[i], dm)
		}
	}
}

func TestFindStopsAtRepositoryRootAndHome(t *testing.T) {
	root := t.TempDir()
	home := filepath.Join(root, "home", "alice")
	repo := filepath.Join(home, "analysis")
	sub := filepath.Join(repo, "notebooks", "deep")
	os.MkdirAll(sub, 0o700)
	os.MkdirAll(filepath.Join(repo, ".git"), 0o700)
	if got, _ := Find(sub, home); got != "" {
		t.Errorf("no tok.env: found %q", got)
	}
	os.WriteFile(filepath.Join(home, FileName), []byte("A=1\n"), 0o600)
	if got, _ := Find(sub, home); got != "" {
		t.Errorf("a tok.env above the repository root was used: %q", got)
	}
	os.WriteFile(filepath.Join(repo, FileName), []byte("A=1\n"), 0o600)
	if got, _ := Find(sub, home); got != filepath.Join(repo, FileName) {
		t.Errorf("from a subdirectory: %q", got)
	}
	os.WriteFile(filepath.Join(repo, "notebooks", FileName), []byte("A=1\n"), 0o600)
	if got, _ := Find(sub, home); got != filepath.Join(repo, "notebooks", FileName) {
		t.Errorf("the nearest file wins: %q", got)
	}
	// No repository: the search goes up to home's parent, never above it.
	plain := filepath.Join(home, "scratch", "x")
	os.MkdirAll(plain, 0o700)
	if got, _ := Find(plain, home); got != filepath.Join(home, FileName) {
		t.Errorf("outside a repository: %q", got)
	}
	os.Remove(filepath.Join(home, FileName))
	os.WriteFile(filepath.Join(root, FileName), []byte("A=1\n"), 0o600)
	if got, _ := Find(plain, home); got != "" {
		t.Errorf("a tok.env above home's parent was used: %q", got)
	}
	os.WriteFile(filepath.Join(root, "home", FileName), []byte("A=1\n"), 0o600)
	if got, _ := Find(plain, home); got != filepath.Join(root, "home", FileName) {
		t.Errorf("home's parent is searched: %q", got)
	}
}

func TestResolve(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	f, err := parseString(t, "CAVE_TOKEN=tok://cave\nCODEOCEAN_DOMAIN=tok://codeocean#domain\nCO_USER=tok://codeocean#username\nPLAIN=x\nGONE=tok://https://bob@api.curvenote.com\nOLD=tok://old.example.org\n")
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	resolve := func(target, user string) (keychain.Record, error) {
		asked = append(asked, target+"|"+user)
		switch target {
		case "cave":
			return keychain.Record{Target: "https://global.daf-apis.com", Secret: "0123456789abcdef0123456789abcdef"}, nil
		case "codeocean":
			return keychain.Record{Target: "https://acme.codeocean.com", Secret: "cop_x"}, nil
		case "old.example.org":
			return keychain.Record{Target: "https://old.example.org", Secret: "s", Expires: now.Add(-time.Hour)}, nil
		}
		return keychain.Record{}, keychain.NotFoundError(target)
	}
	vars, missing := f.Resolve(resolve, now)
	got := map[string]string{}
	for _, v := range vars {
		got[v.Name] = v.Value
		if v.Secret != (v.Name == "CAVE_TOKEN") {
			t.Errorf("%s: Secret = %v", v.Name, v.Secret)
		}
	}
	want := map[string]string{"CAVE_TOKEN": "0123456789abcdef0123456789abcdef", "CODEOCEAN_DOMAIN": "https://acme.codeocean.com", "PLAIN": "x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("vars %v, want %v", got, want)
	}
	var names []string
	for _, m := range missing {
		names = append(names, m.Name)
	}
	if !reflect.DeepEqual(names, []string{"CO_USER", "GONE", "OLD"}) {
		t.Errorf("missing %v", names)
	}
	if !errors.Is(missing[1].Err, keychain.ErrNotFound) || !strings.Contains(missing[2].Err.Error(), "expired") {
		t.Errorf("errors: %v / %v", missing[1].Err, missing[2].Err)
	}
	if !reflect.DeepEqual(asked[3], "https://api.curvenote.com|bob") {
		t.Errorf("the resolver was asked %q", asked)
	}
}

// FuzzParseAgreesWithDocker feeds the parser anything: it never panics, and whatever it
// accepts, docker's own env-file parser reads as the same pairs, with no literal tok:// in a
// plain value.
func FuzzParseAgreesWithDocker(f *testing.F) {
	for _, s := range []string{"A=1\n", "A=tok://cave\nB=x y\n", "# c\n  A=b\\\\c\r\n", "export A=b", "A='b'", "A=b #c", "\ufeffA=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		file, err := Parse(strings.NewReader(content), "tok.env")
		if err != nil {
			return
		}
		lines, derr := kvfile.ParseFromReader(strings.NewReader(content), func(string) (string, bool) { return "from-env", true })
		if derr != nil {
			t.Fatalf("tok accepts %q, docker refuses it: %v", content, derr)
		}
		if len(lines) != len(file.Entries) {
			t.Fatalf("%q: docker reads %q, tok %d entries", content, lines, len(file.Entries))
		}
		for i, e := range file.Entries {
			if lines[i] != e.Name+"="+e.Value {
				t.Fatalf("%q: docker reads %q, tok %s=%s", content, lines[i], e.Name, e.Value)
			}
			if e.Ref == nil && strings.Contains(strings.ToLower(e.Value), "tok://") {
				t.Fatalf("%q: a literal reference passed as a plain value", content)
			}
		}
	})
}

func TestFromEnviron(t *testing.T) {
	f, err := FromEnviron([]string{"HOME=/home/ada", "A=tok://cave", "B=see tok://cave", "C=tok://https://bob@api.curvenote.com#username", "D="})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 2 || f.Entries[0].Name != "A" || f.Entries[1].Ref.Username != "bob" || f.Path != Environ {
		t.Errorf("got %+v", f.Entries)
	}
	for _, bad := range []string{"A=TOK:cave", "A=tok:/cave", "A=tok://cave#password"} {
		if _, err := FromEnviron([]string{bad}); err == nil || !strings.Contains(err.Error(), "A in the environment") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestFromEnvironOnlyTakesReferences: a value that starts with "tok:" but is no tok://
// reference (SLURM_WORKING_CLUSTER for a cluster named tok) is passed on, not refused.
func TestFromEnvironOnlyTakesReferences(t *testing.T) {
	f, err := FromEnviron([]string{"SLURM_WORKING_CLUSTER=tok:vm:43625:9728:109", "HOME=/home/ada", "CAVE_TOKEN=tok://cave"})
	if err != nil || len(f.Entries) != 1 || f.Entries[0].Name != "CAVE_TOKEN" {
		t.Fatalf("%+v, %v", f, err)
	}
}
