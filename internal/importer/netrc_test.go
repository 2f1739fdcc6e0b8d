package importer

import (
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/platform"
)

// pythonNetrc is what Python's netrc module reads from each file: hosts and macros, or an error.
type pythonNetrc struct {
	Error  string              `json:"error"`
	Hosts  map[string][]string `json:"hosts"`
	Macros map[string][]string `json:"macros"`
}

// readWithPython runs python3's netrc over every file in one process (as requests does, with the
// file named, so no ownership or mode check).
func readWithPython(t *testing.T, contents []string) []pythonNetrc {
	t.Helper()
	testenv.Require(t, testenv.Have("python3"), "python3 (its netrc module is the reference reader)")
	dir := t.TempDir()
	var paths []string
	for i, c := range contents {
		p := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	script := `
import json, netrc, sys
for p in sys.argv[1:]:
    try:
        n = netrc.netrc(p)
        print(json.dumps({"hosts": {k: list(v) for k, v in n.hosts.items()}, "macros": n.macros}))
    except Exception as e:
        print(json.dumps({"error": type(e).__name__ + ": " + str(e)}))
`
	out, err := exec.Command("python3", append([]string{"-c", script}, paths...)...).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var res []pythonNetrc
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r pythonNetrc
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("python3 said %q: %v", line, err)
		}
		res = append(res, r)
	}
	if len(res) != len(contents) {
		t.Fatalf("python3 read %d files of %d", len(res), len(contents))
	}
	return res
}

// checkAgainstPython asserts that wherever tok reads a file, it reads what Python reads, and that
// a file Python refuses tok refuses too.
func checkAgainstPython(t *testing.T, contents []string) (accepted int) {
	t.Helper()
	py := readWithPython(t, contents)
	for i, c := range contents {
		f, err := parseNetrc([]byte(c))
		if py[i].Error != "" {
			if err == nil {
				t.Errorf("Python refuses %q (%s); tok read it", c, py[i].Error)
			}
			continue
		}
		if err != nil {
			if !errors.Is(err, errNetrcDiffer) {
				t.Errorf("tok refuses %q as unparsable (%v); Python reads it", c, err)
			}
			continue
		}
		accepted++
		hosts := map[string][]string{}
		for k, e := range f.hosts() {
			hosts[k] = []string{e.login, e.account, e.password}
		}
		if !equalJSON(hosts, py[i].Hosts) {
			t.Errorf("%q:\n tok reads %v\n Python   %v", c, hosts, py[i].Hosts)
		}
		var macros []string
		for name, lines := range py[i].Macros {
			macros = append(macros, name+"\x00"+strings.Join(lines, ""))
		}
		if len(macros) != len(f.macros) {
			t.Errorf("%q: macros tok %q, Python %q", c, f.macros, macros)
		}
	}
	return accepted
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// The files of issue 15 and the grammar's corners: tok reads each as Python does, or refuses it.
var netrcCases = []string{
	"machine a.org login u password p\n",
	"machine a.org login u password \"SECRET pass with spaces\"\n",
	"machine a.org login u password \"SECRET\\\"esc\"\n",
	"machine a.org login \"al ice\" password \"p w\\\"x\"\n",
	"machine a.org login u password \"\"\nmachine b.org login v password q\n",
	"machine a.org login u password p\nmacdef init\ncd /tmp\nput password\n\nmachine b.org login v password q\n",
	"macdef init\ncd /pub\nmget *\n\nmachine b.org login v password q\n",
	"machine a.org login u account acct password p\ndefault login anonymous password me@x\n",
	"# comment line\nmachine a.org login u password p\n",
	"machine a.org login u password p # my laptop\n",
	"machine a.org\n  login u\n  # the work one\n  password p\n",
	"machine a.org login u password p\r\nmachine b.org login v password q\r\n",
	"machine a.org login u password SECRET\\\"esc\n",                       // curl keeps the backslash
	"machine a.org login u password \"a\\nb\"\n",                           // curl reads a newline
	"machine a.org login u password #notacomment\n",                        // curl: a comment
	"machine a.org user u password p\n",                                    // curl knows no "user"
	"machine a.org login u password p\nmachine a.org login v password q\n", // curl: the first
	"machine a.org login u password p\nmachine a.org login u password p\n",
	"machine a.org login u password p\n\"\"\nmachine b.org login v password q\n",
	"machine a.org login u password Password\n",
	"#comment here\nmachine a.org login u password p\n",
	"machine a.org login u password p\nmacdef init\ncd /tmp\n",
	"machine a.org login u password p\nmacdef init\ncd /tmp\n  \nmore\n\n",
	"machine a.org login u bogus p\n",
	"machine\n",
	"machine a.org login u password \"unterminated\n",
	"machine a.org login u password p\n\n# comment after a blank line\n",
	"machine a.org login u password p\n\n  # indented\nmachine b.org password q\n",
	"machine ünï.org login ü password \"ß p\"\n",
	"default login x password y\nmachine a.org login u password p\n",
	"",
	"\n\n",
}

func TestNetrcReadsAsPython(t *testing.T) {
	accepted := checkAgainstPython(t, netrcCases)
	if accepted < 15 {
		t.Errorf("tok read only %d of the cases; the checks refuse ordinary files", accepted)
	}
	// The values issue 15 lost.
	f, err := parseNetrc([]byte(netrcCases[1]))
	if err != nil || f.entries[0].password != "SECRET pass with spaces" {
		t.Fatalf("%+v %v", f, err)
	}
	f, _ = parseNetrc([]byte(netrcCases[2]))
	if f.entries[0].password != `SECRET"esc` {
		t.Fatalf("%q", f.entries[0].password)
	}
	// A macro's words are never an entry.
	f, _ = parseNetrc([]byte("machine a.org login u password p\nmacdef init\ncd /tmp\nget x\n\nmachine b.org login v password q\n"))
	if len(f.entries) != 2 || f.entries[1].machine != "b.org" {
		t.Fatalf("%+v", f.entries)
	}
	for _, refused := range []int{12, 13, 14, 15, 16} {
		if _, err := parseNetrc([]byte(netrcCases[refused])); !errors.Is(err, errNetrcDiffer) {
			t.Errorf("%q: %v; want a refusal because curl reads it differently", netrcCases[refused], err)
		}
	}
}

// TestNetrcFuzzAgainstPython builds files from netrc's pieces at random: wherever tok reads one,
// it must read what Python reads.
func TestNetrcFuzzAgainstPython(t *testing.T) {
	pieces := []string{"machine", "default", "login", "password", "account", "macdef", "m.org", "u", "p",
		`"q w"`, `"a\"b"`, `""`, "#", "#c", "\\x", " ", " ", "\t", "\n", "\n", "\n\n", "\r\n", "x y", "user", "é"}
	r := rand.New(rand.NewSource(15))
	var files []string
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for n := r.Intn(14); n > 0; n-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
			if r.Intn(3) > 0 {
				b.WriteByte(" \n"[r.Intn(2)])
			}
		}
		files = append(files, b.String())
	}
	accepted := checkAgainstPython(t, files)
	t.Logf("tok read %d of %d random files; the rest Python refuses or curl could read differently", accepted, len(files))
	if accepted < 100 {
		t.Errorf("tok read only %d random files", accepted)
	}
}

func TestNetrcRemove(t *testing.T) {
	in := "# mine\nmachine a.org login u password \"p w\" # laptop\nmacdef init\ncd /tmp\n\nmachine b.org\n\tlogin v\n\tpassword q\nmachine c.org login w password r machine d.org login x password s\ndefault login anonymous password guest\n"
	f, err := parseNetrc([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	h := f.hosts()
	for _, c := range []struct{ machine, want string }{
		{"a.org", "# mine\nmacdef init\ncd /tmp\n\nmachine b.org\n\tlogin v\n\tpassword q\nmachine c.org login w password r machine d.org login x password s\ndefault login anonymous password guest\n"},
		{"b.org", "# mine\nmachine a.org login u password \"p w\" # laptop\nmacdef init\ncd /tmp\n\nmachine c.org login w password r machine d.org login x password s\ndefault login anonymous password guest\n"},
		{"c.org", "# mine\nmachine a.org login u password \"p w\" # laptop\nmacdef init\ncd /tmp\n\nmachine b.org\n\tlogin v\n\tpassword q\nmachine d.org login x password s\ndefault login anonymous password guest\n"},
		{"d.org", "# mine\nmachine a.org login u password \"p w\" # laptop\nmacdef init\ncd /tmp\n\nmachine b.org\n\tlogin v\n\tpassword q\nmachine c.org login w password r \ndefault login anonymous password guest\n"},
	} {
		out, err := removeNetrcEntry([]byte(in), h[c.machine])
		if err != nil || string(out) != c.want {
			t.Errorf("removing %s: %v\n%q\nwant\n%q", c.machine, err, out, c.want)
		}
		if netrcHas(out, h[c.machine]) {
			t.Errorf("%s still there", c.machine)
		}
	}
	// Every copy goes.
	dup := "machine a.org login u password p\nmachine b.org login v password q\nmachine a.org login u password p\n"
	f, _ = parseNetrc([]byte(dup))
	out, err := removeNetrcEntry([]byte(dup), f.hosts()["a.org"])
	if err != nil || string(out) != "machine b.org login v password q\n" {
		t.Errorf("%q %v", out, err)
	}
	if _, err := removeNetrcEntry(out, f.hosts()["a.org"]); err == nil {
		t.Error("removed an entry twice")
	}
	// Removing never changes how the rest reads: Python agrees on every result.
	var results []string
	for _, c := range netrcCases {
		f, err := parseNetrc([]byte(c))
		if err != nil {
			continue
		}
		for _, e := range f.entries {
			if out, err := removeNetrcEntry([]byte(c), e); err == nil {
				results = append(results, string(out))
			}
		}
	}
	py := readWithPython(t, results)
	for i, r := range results {
		if py[i].Error != "" {
			t.Errorf("after a removal Python cannot read %q: %s", r, py[i].Error)
		}
	}
}

// TestNetrcSourceSkipsEntriesWithoutSecret: anonymous FTP logins, empty passwords and default
// are no tokens; a Code Ocean token as login with an empty password is one; each value is what
// Python reads for that machine.
func TestNetrcSourceSkipsEntriesWithoutSecret(t *testing.T) {
	home := t.TempDir()
	content := "machine ftp.org login anonymous password me@x.org\nmachine guest.org login Guest password g\n" +
		"machine empty.org login u password \"\"\nmachine co.example.org login cop_abcdefghijkl password \"\"\n" +
		"machine a.org login \"al ice\" password \"p w\"\ndefault login d password dp\n"
	os.WriteFile(filepath.Join(home, ".netrc"), []byte(content), 0o600)
	env := Env{Home: home, Getenv: func(string) string { return "" }, GOOS: "linux", Registry: platform.Builtin()}
	found, problems := netrcSource(env)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	var got []string
	for _, f := range found {
		got = append(got, f.Target.Host+" "+f.Record.Username+":"+f.Record.Secret)
	}
	if want := []string{"co.example.org :cop_abcdefghijkl", "a.org al ice:p w"}; !equalJSON(got, want) {
		t.Errorf("imported %q, want %q", got, want)
	}
}
