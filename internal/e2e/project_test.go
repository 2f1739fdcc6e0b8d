package e2e

import (
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
)

const (
	caveToken  = "0123456789abcdef0123456789abcdef"
	weirdToken = "w3ird+secret/with=chars&more?x"
)

// projectRepo makes a git repository under e.Dir with tok.env committed, and returns its
// path and a subdirectory to run from.
func projectRepo(t *testing.T, e *testenv.Env, content string) (repo, sub string) {
	t.Helper()
	testenv.Require(t, testenv.Have("git"), "git")
	repo = filepath.Join(e.Dir, "analysis")
	sub = filepath.Join(repo, "notebooks", "figures")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "tok.env"), []byte(content), 0o644)
	os.WriteFile(filepath.Join(sub, ".keep"), nil, 0o644)
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "."},
		{"-c", "user.name=Ada", "-c", "user.email=ada@example.org", "commit", "-qm", "analysis with its tok.env"},
	} {
		cmd := e.Command(context.Background(), "git", args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return repo, sub
}

func runIn(t *testing.T, e *testenv.Env, dir, stdin string, args ...string) testenv.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.Command(ctx, "tok", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if x, ok := err.(*exec.ExitError); ok {
		code = x.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return testenv.Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// injected is what the program got beyond the environment tok was given.
func injected(e *testenv.Env, envOutput string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(envOutput), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if base, ok := e.Vars[k]; !ok || base != v {
			out[k] = v
		}
	}
	return out
}

func TestProjectFileFromSubdirectoryInjectsExactlyItsVariables(t *testing.T) {
	e := execEnv(t)
	repo, sub := projectRepo(t, e, `# The tokens this analysis needs; get them with tok set / tok login.
CAVE_TOKEN=tok://cave
CODEOCEAN_DOMAIN=tok://codeocean#domain
API_TOKEN=tok://https://api.example.org
DATASTACK=minnie65_public
`)
	r := runIn(t, e, sub, "", "exec", "--", "env")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	want := map[string]string{
		"CAVE_TOKEN": caveToken, "CODEOCEAN_DOMAIN": "https://acme.codeocean.com",
		"API_TOKEN": "custom-secret", "DATASTACK": "minnie65_public", "TOK_EXEC": "1",
	}
	if got := injected(e, r.Stdout); !reflect.DeepEqual(got, want) {
		t.Errorf("the program got %v\nwant exactly %v", got, want)
	}
	// One line names the file; the only other one says the vault's passphrase (the test's
	// file backend takes it from the environment) is held back.
	if want := "tok: using " + filepath.Join(repo, "tok.env") + " (4 variables)\n"; strings.Replace(r.Stderr, passphraseHeldBack, "", 1) != want {
		t.Errorf("stderr %q, want %q", r.Stderr, want)
	}
	// tok env honours the same file.
	r = runIn(t, e, sub, "", "env", "--format", "dotenv")
	if r.Code != 0 || strings.Count(r.Stdout, "\n") != 4 || !strings.Contains(r.Stdout, `DATASTACK='minnie65_public'`) {
		t.Errorf("tok env: exit %d: %q %s", r.Code, r.Stdout, r.Stderr)
	}
}

func TestProjectMissingReferenceStopsBeforeTheProgram(t *testing.T) {
	e := execEnv(t)
	_, sub := projectRepo(t, e, "CAVE_TOKEN=tok://cave\nCURVENOTE_TOKEN=tok://https://bob@api.curvenote.com\nDATASTACK=minnie65_public\n")
	marker := filepath.Join(e.Dir, "program-ran")
	r := runIn(t, e, sub, "", "exec", "--", "sh", "-c", `env > "$1"`, "sh", marker)
	if r.Code != 1 {
		t.Errorf("exit %d, want 1", r.Code)
	}
	if !strings.Contains(r.Stderr, "CURVENOTE_TOKEN=tok://https://bob@api.curvenote.com: no token is stored; run: tok set https://api.curvenote.com --username bob\n") {
		t.Errorf("stderr does not name the command: %s", r.Stderr)
	}
	if strings.Count(r.Stderr, "run: tok") != 1 {
		t.Errorf("one line per missing reference: %s", r.Stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		data, _ := os.ReadFile(marker)
		t.Errorf("the program ran; it got:\n%s", data)
	}
	// Once stored, the same command runs, with no literal reference left.
	if r := e.Run("eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2FwaS5jdXJ2ZW5vdGUuY29tL3Rva2Vucy91c2VyIn0.", "tok", "set", "https://api.curvenote.com", "--username", "bob", "--force"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	r = runIn(t, e, sub, "", "exec", "--", "sh", "-c", `env > "$1"`, "sh", marker)
	data, _ := os.ReadFile(marker)
	if r.Code != 0 || strings.Contains(string(data), "tok://") || !strings.Contains(string(data), "CURVENOTE_TOKEN=eyJ") {
		t.Errorf("exit %d: %s\n%s", r.Code, r.Stderr, data)
	}
}

// TestInheritedReferencesResolveOrStop: a tok:// value tok exec inherits is resolved like a
// project's, or stops tok before the program starts; it never reaches the program as text.
func TestInheritedReferencesResolveOrStop(t *testing.T) {
	e := execEnv(t)
	r := e.With(map[string]string{"MY_CAVE": "tok://cave", "MY_DOMAIN": "tok://codeocean#domain"}).Run("", "tok", "exec", "--", "env")
	if got := injected(e, r.Stdout); r.Code != 0 || got["MY_CAVE"] != caveToken || got["MY_DOMAIN"] != "https://acme.codeocean.com" {
		t.Errorf("exit %d: %v\n%s", r.Code, got, r.Stderr)
	}
	marker := filepath.Join(e.Dir, "program-ran")
	r = e.With(map[string]string{"MY_API": "tok://https://missing.example.org"}).Run("", "tok", "exec", "--", "sh", "-c", `env > "$1"`, "sh", marker)
	if r.Code != 1 || !strings.Contains(r.Stderr, "tok: the environment: MY_API=tok://https://missing.example.org: no token is stored; run: tok set https://missing.example.org\n") {
		t.Errorf("exit %d: %s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the program ran")
	}
	if r := e.With(map[string]string{"MY_API": "TOK:/cave"}).Run("", "tok", "exec", "--", "sh", "-c", `env > "$1"`, "sh", marker); r.Code != 2 {
		t.Errorf("a malformed inherited reference: exit %d: %s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the program ran")
	}
	// Masked like any injected token.
	r = e.With(map[string]string{"MY_CAVE": "tok://cave", "CI": "true"}).Run("", "tok", "exec", "--only", "codeocean", "--", "sh", "-c", `echo "$MY_CAVE"`)
	if r.Code != 0 || r.Stdout != "<tok:MY_CAVE>\n" {
		t.Errorf("exit %d: %q %s", r.Code, r.Stdout, r.Stderr)
	}
}

// maskScript prints the secrets every way a log may hold them, on stdout and stderr, with
// colour, and a secret split across two writes.
const maskScript = `
import base64, os, sys, time, urllib.parse
cave, weird = os.environ["CAVE_TOKEN"], os.environ["WEIRD_TOKEN"]
out = sys.stdout
out.write("whole " + cave + "\n"); out.flush()
out.write("split " + cave[:13]); out.flush(); time.sleep(0.2)
out.write(cave[13:] + " end\n"); out.flush()
for pre in ("", "a", "ab"):
    out.write("b64 " + base64.b64encode((pre + weird).encode()).decode() + "\n")
    out.write("b64url " + base64.urlsafe_b64encode((pre + weird + "zz").encode()).decode() + "\n")
out.write("basic " + base64.b64encode(("token:" + cave).encode()).decode() + "\n")
out.write("url " + urllib.parse.quote(weird, safe="") + "\n")
out.write("\x1b[31mred " + cave + "\x1b[0m\n")
out.flush()
sys.stderr.write("stderr " + weird + "\n")
sys.exit(int(sys.argv[1]))
`

func maskEnv(t *testing.T) *testenv.Env {
	requirePython(t)
	e := execEnv(t)
	if r := e.Run(weirdToken, "tok", "set", "https://weird.example.org", "--env", "WEIRD_TOKEN"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	os.WriteFile(filepath.Join(e.Dir, "mask.py"), []byte(maskScript), 0o600)
	return e
}

func leaked(s string) []string {
	var out []string
	for _, secret := range []string{caveToken, weirdToken, url.QueryEscape(weirdToken), "0123456789abcdef", "w3ird"} {
		if strings.Contains(s, secret) {
			out = append(out, secret)
		}
	}
	for _, pre := range []string{"", "a", "ab"} {
		enc := base64.StdEncoding.EncodeToString([]byte(pre + weirdToken))
		if strings.Contains(s, enc[4:20]) {
			out = append(out, enc)
		}
	}
	return out
}

func checkMasked(t *testing.T, r testenv.Result, code int) {
	t.Helper()
	if r.Code != code {
		t.Errorf("exit %d, want the program's %d: %s", r.Code, code, r.Stderr)
	}
	if l := leaked(r.Stdout + r.Stderr); len(l) > 0 {
		t.Errorf("leaked %q:\n%s\n%s", l, r.Stdout, r.Stderr)
	}
	for _, want := range []string{
		"whole <tok:CAVE_TOKEN>\n", "split <tok:CAVE_TOKEN> end\n", "url <tok:WEIRD_TOKEN>\n",
		"\x1b[31mred <tok:CAVE_TOKEN>\x1b[0m\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Count(r.Stdout, "<tok:WEIRD_TOKEN>") < 7 || !strings.Contains(r.Stdout, "basic ") {
		t.Errorf("base64 forms not all masked:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "stderr <tok:WEIRD_TOKEN>\n") {
		t.Errorf("stderr: %s", r.Stderr)
	}
}

func TestMaskHidesSecretsInEveryForm(t *testing.T) {
	e := maskEnv(t)
	r := e.Run("", "tok", "exec", "--mask", "--", debianPython, filepath.Join(e.Dir, "mask.py"), "3")
	checkMasked(t, r, 3)
	// Without --mask (and no CI), the program's output is its own.
	r = e.Run("", "tok", "exec", "--", debianPython, filepath.Join(e.Dir, "mask.py"), "0")
	if !strings.Contains(r.Stdout, "whole "+caveToken) {
		t.Errorf("unmasked run: %s", r.Stdout)
	}
	// --mask=false under CI turns it off.
	r = e.With(map[string]string{"CI": "true"}).Run("", "tok", "exec", "--mask=false", "--", debianPython, filepath.Join(e.Dir, "mask.py"), "0")
	if !strings.Contains(r.Stdout, "whole "+caveToken) {
		t.Errorf("--mask=false: %s", r.Stdout)
	}
}

func TestMaskOnByDefaultUnderCI(t *testing.T) {
	e := maskEnv(t).With(map[string]string{"CI": "true"})
	r := e.Run("", "tok", "exec", "--", debianPython, filepath.Join(e.Dir, "mask.py"), "0")
	checkMasked(t, r, 0)
	if strings.Contains(r.Stdout, "::add-mask::") {
		t.Errorf("add-mask lines outside GitHub Actions:\n%s", r.Stdout)
	}
}

func TestMaskRegistersSecretsWithGitHubActions(t *testing.T) {
	e := maskEnv(t).With(map[string]string{"CI": "true", "GITHUB_ACTIONS": "true"})
	r := e.Run("", "tok", "exec", "--", debianPython, filepath.Join(e.Dir, "mask.py"), "0")
	lines := strings.Split(r.Stdout, "\n")
	var adds []string
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "::add-mask::"); ok {
			adds = append(adds, v)
		}
	}
	want := []string{"0123456789abcdef0123456789abcdef", "cop_abcdefghijklmnop", "custom-secret", weirdToken}
	sort.Strings(adds)
	sort.Strings(want)
	if !reflect.DeepEqual(adds, want) {
		t.Errorf("add-mask lines %q, want %q", adds, want)
	}
	// Before the program's first line, as the runner reads them.
	if i := strings.Index(r.Stdout, "whole "); i < 0 || strings.LastIndex(r.Stdout, "::add-mask::") > i {
		t.Errorf("add-mask lines must come first:\n%s", r.Stdout)
	}
	rest := r.Stdout[strings.Index(r.Stdout, "whole "):]
	if l := leaked(rest + r.Stderr); len(l) > 0 {
		t.Errorf("leaked %q", l)
	}
}

// ptyScript reports what a program on a terminal sees, in colour when its stdout is a
// terminal, follows window changes, and waits for Ctrl-C.
const ptyScript = `
import os, signal, sys, time
dir = sys.argv[1]
def size(*_):
    s = os.get_terminal_size(1)
    with open(os.path.join(dir, "size"), "w") as f:
        f.write("%dx%d" % (s.columns, s.lines))
signal.signal(signal.SIGWINCH, size)
size()
print("tty", os.isatty(0), os.isatty(1), os.isatty(2))
if os.isatty(1):
    print("\x1b[32mgreen " + os.environ["CAVE_TOKEN"] + "\x1b[0m")
print("err", os.environ["CAVE_TOKEN"], file=sys.stderr, flush=True)
print("ready", flush=True)
open(os.path.join(dir, "ready"), "w").write("1")
time.sleep(120)
`

func waitFile(t *testing.T, path string, screen func() string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			return string(data)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never appeared; the screen:\n%s", path, screen())
	return ""
}

// TestMaskOnATerminalUnderTmux runs the program under tmux with and without --mask: with it
// the program still has a terminal (colour, window size and its changes), Ctrl-C ends it with
// the same status, tok leaves the terminal's mode as it found it, and no secret is shown.
func TestMaskOnATerminalUnderTmux(t *testing.T) {
	requirePython(t)
	testenv.Require(t, testenv.Have("tmux"), "tmux (apt install tmux)")
	e := execEnv(t)
	script := filepath.Join(e.Dir, "pty.py")
	os.WriteFile(script, []byte(ptyScript), 0o600)
	sock := filepath.Join(e.Dir, "tmux.sock")
	tmux := func(args ...string) string {
		t.Helper()
		out, err := e.Command(context.Background(), "tmux", append([]string{"-S", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		_ = e.Command(context.Background(), "tmux", "-S", sock, "kill-server").Run()
	})
	run := func(name string, mask bool) (screen, size, resized, exit string, sameMode bool) {
		dir := filepath.Join(e.Dir, name)
		os.Mkdir(dir, 0o700)
		flag := ""
		if mask {
			flag = "--mask"
		}
		cmd := "stty -g > " + dir + "/before; tok exec " + flag + " -- " + debianPython + " " + script + " " + dir +
			"; echo $? > " + dir + "/exit; stty -g > " + dir + "/after; sleep 120"
		tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", cmd)
		waitFile := func(t *testing.T, path string) string {
			t.Helper()
			return waitFile(t, path, func() string { return tmux("capture-pane", "-p", "-t", name) })
		}
		waitFile(t, dir+"/ready")
		size = waitFile(t, dir+"/size")
		os.Remove(dir + "/size")
		tmux("resize-window", "-t", name, "-x", "120", "-y", "40")
		resized = waitFile(t, dir+"/size")
		tmux("send-keys", "-t", name, "C-c")
		exit = strings.TrimSpace(waitFile(t, dir+"/exit"))
		waitFile(t, dir+"/after")
		before, _ := os.ReadFile(dir + "/before")
		after, _ := os.ReadFile(dir + "/after")
		screen = tmux("capture-pane", "-p", "-e", "-t", name)
		return screen, size, resized, exit, string(before) == string(after)
	}
	plainScreen, plainSize, plainResized, plainExit, _ := run("plain", false)
	screen, size, resized, exit, sameMode := run("masked", true)
	if exit != plainExit || exit != "130" {
		t.Errorf("Ctrl-C: exit %s with --mask, %s without (want 130 both)", exit, plainExit)
	}
	if size != plainSize || size != "100x30" || resized != plainResized || resized != "120x40" {
		t.Errorf("window size %s -> %s with --mask, %s -> %s without", size, resized, plainSize, plainResized)
	}
	if !sameMode {
		t.Error("tok left the terminal in another mode")
	}
	if !strings.Contains(plainScreen, "tty True True True") || !strings.Contains(screen, "tty True True True") {
		t.Errorf("the program has no terminal:\n%s", screen)
	}
	if !strings.Contains(screen, "\x1b[32mgreen <tok:CAVE_TOKEN>") || !strings.Contains(screen, "err <tok:CAVE_TOKEN>") {
		t.Errorf("colour or masking lost:\n%q", screen)
	}
	if strings.Contains(screen, caveToken) || !strings.Contains(plainScreen, caveToken) {
		t.Errorf("masked screen shows the secret, or the plain one does not:\n%s\n%s", screen, plainScreen)
	}
}

// TestMaskJobControlUnderTmux: in an interactive shell, Ctrl-Z stops tok exec --mask and its
// program and gives the shell the terminal back (in its own mode); fg continues both, and the
// program still follows the window and ends on Ctrl-C with 130.
func TestMaskJobControlUnderTmux(t *testing.T) {
	requirePython(t)
	testenv.Require(t, testenv.Have("tmux") && testenv.Have("bash"), "tmux and bash (apt install tmux)")
	e := execEnv(t)
	script := filepath.Join(e.Dir, "pty.py")
	os.WriteFile(script, []byte(ptyScript), 0o600)
	sock := filepath.Join(e.Dir, "tmux.sock")
	dir := filepath.Join(e.Dir, "jc")
	os.Mkdir(dir, 0o700)
	tmux := func(args ...string) string {
		t.Helper()
		out, err := e.Command(context.Background(), "tmux", append([]string{"-S", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { _ = e.Command(context.Background(), "tmux", "-S", sock, "kill-server").Run() })
	tmux("new-session", "-d", "-s", "jc", "-x", "100", "-y", "30", "env PS1='$ ' bash --norc --noprofile -i")
	screen := func() string { return tmux("capture-pane", "-p", "-t", "jc") }
	wait := func(path string) string { t.Helper(); return waitFile(t, path, screen) }
	typeLine := func(line string) { tmux("send-keys", "-t", "jc", "-l", line); tmux("send-keys", "-t", "jc", "Enter") }

	typeLine("stty -g > " + dir + "/before")
	wait(dir + "/before")
	typeLine("tok exec --mask -- " + debianPython + " " + script + " " + dir)
	wait(dir + "/ready")
	tmux("send-keys", "-t", "jc", "C-z")
	waitScreen := func(text, what string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(screen(), text) {
			if time.Now().After(deadline) {
				t.Fatalf("%s:\n%s", what, screen())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitScreen("Stopped", "Ctrl-Z did not stop the job")
	typeLine("stty -g > " + dir + "/stopped")
	if before, stopped := wait(dir+"/before"), wait(dir+"/stopped"); before != stopped {
		t.Errorf("while stopped the terminal is not in the shell's mode:\n%s\n%s", before, stopped)
	}
	os.Remove(dir + "/size")
	typeLine("fg")
	tmux("resize-window", "-t", "jc", "-x", "120", "-y", "40")
	if got := wait(dir + "/size"); got != "120x40" {
		t.Errorf("after fg the program sees %s", got)
	}
	tmux("send-keys", "-t", "jc", "C-c")
	waitScreen("KeyboardInterrupt\n$", "Ctrl-C did not end the program") // the prompt: type to the shell, not tok
	typeLine("echo $? > " + dir + "/exit")
	if got := strings.TrimSpace(wait(dir + "/exit")); got != "130" {
		t.Errorf("Ctrl-C after fg: exit %s, want 130\n%s", got, screen())
	}
	typeLine("stty -g > " + dir + "/after")
	if before, after := wait(dir+"/before"), wait(dir+"/after"); before != after {
		t.Error("tok left the terminal in another mode")
	}
	if s := screen(); strings.Contains(s, caveToken) {
		t.Errorf("the secret shows:\n%s", s)
	}
}

// passphraseHeldBack is tok exec's line when TOK_FILE_PASSPHRASE is set and not passed on.
const passphraseHeldBack = "tok: TOK_FILE_PASSPHRASE is not passed to the program: it opens every token in the store (--pass-passphrase passes it)\n"
