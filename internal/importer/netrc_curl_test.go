package importer

import (
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// TestNetrcImportsWhatCurlSends: for random files tok reads, every entry tok would import is what
// curl sends to that machine (no user in the URL), so removing the copy takes nothing curl used.
func TestNetrcImportsWhatCurlSends(t *testing.T) {
	testenv.Require(t, testenv.Have("curl"), "curl")
	var mu sync.Mutex
	got := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		mu.Lock()
		got = ""
		if ok {
			got = u + ":" + p
		}
		mu.Unlock()
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	values := []string{"u", "v", "pw", "p", `"q w"`, `"a\"b"`, `""`, `"x\\y"`, "ü"}
	seps := []string{" ", "\n", "\t", "\n\t", " # c\n"}
	r := rand.New(rand.NewSource(14))
	dir := t.TempDir()
	checked := 0
	for i := 0; i < 12000 && checked < 300; i++ {
		var b strings.Builder
		sep := func() string { return seps[r.Intn(len(seps))] }
		for n := 1 + r.Intn(4); n > 0; n-- {
			switch r.Intn(8) {
			case 0:
				b.WriteString("default login anonymous password x\n")
			case 1:
				b.WriteString("macdef init\ncd /\n\n")
			case 2:
				b.WriteString("# comment\n")
			}
			b.WriteString("machine " + []string{"m.org", "n.org", "o.org"}[r.Intn(3)])
			for _, k := range r.Perm(4) {
				if r.Intn(4) == 0 {
					continue
				}
				kw := []string{"login", "password", "account", "login"}[k]
				b.WriteString(sep() + kw + sep() + values[r.Intn(len(values))])
			}
			b.WriteString("\n")
		}
		f, err := parseNetrc([]byte(b.String()))
		if err != nil {
			continue
		}
		path := filepath.Join(dir, "netrc")
		os.WriteFile(path, []byte(b.String()), 0o600)
		for host, e := range f.hosts() {
			if host == "default" || netrcNoSecret(e.login, e.password) {
				continue
			}
			checked++
			out, err := exec.Command("curl", "-sS", "--netrc-file", path, "--resolve", host+":"+port+":127.0.0.1", "http://"+host+":"+port+"/").CombinedOutput()
			mu.Lock()
			sent := got
			mu.Unlock()
			if err != nil || sent != e.login+":"+e.password {
				t.Errorf("%q: tok imports %s as %q:%q; curl sent %q (%v %s)", b.String(), host, e.login, e.password, sent, err, out)
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d entries checked", checked)
	}
	t.Logf("%d entries checked against curl", checked)
}
