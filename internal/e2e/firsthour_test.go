package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// TestGitInstallOneEntryEveryHost: tok install git with no URL writes one credential.helper
// entry (git-credential-tok's absolute path) before the other helpers; tok answers for the
// hosts it holds, now and later, and git's store helper keeps answering for the others.
func TestGitInstallOneEntryEveryHost(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	mine := newGitServer(t, func(string) string { return "tok-token" })
	mine.addRepo(t, e, "repo.git")
	theirs := newGitServer(t, func(string) string { return "store-password" })
	theirs.addRepo(t, e, "repo.git")
	later := newGitServer(t, func(string) string { return "later-token" })
	later.addRepo(t, e, "repo.git")

	// The user already has git's plaintext store helper, holding the other host.
	creds := filepath.Join(e.Dir, "git-credentials")
	u := strings.Replace(theirs.URL, "http://", "http://alice:store-password@", 1)
	if err := os.WriteFile(creds, []byte(u+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.Run("", "git", "config", "--global", "credential.helper", "store --file="+creds); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("tok-token", "tok", "set", mine.URL); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	r := e.Run("", "tok", "install", "git")
	if r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if !strings.Contains(r.Stderr, "git also asks store --file=") {
		t.Errorf("install does not say the store helper gets tok's credentials too: %s", r.Stderr)
	}
	helpers := e.Run("", "git", "config", "--global", "--get-all", "credential.helper").Stdout
	want := filepath.Join(testenv.Bin(t), "git-credential-tok") + "\nstore --file=" + creds + "\n"
	if helpers != want {
		t.Fatalf("credential.helper values:\n%s\nwant:\n%s", helpers, want)
	}
	if cfg, _ := os.ReadFile(e.Vars["GIT_CONFIG_GLOBAL"]); strings.Count(string(cfg), "git-credential-tok") != 1 || strings.Contains(string(cfg), mine.URL) {
		t.Fatalf("not one entry:\n%s", cfg)
	}
	for _, srv := range []*gitServer{mine, theirs} {
		if r := e.Run("", "git", "clone", "-q", srv.URL+"/repo.git", filepath.Join(e.Dir, "c", strings.TrimPrefix(srv.URL, "http://127.0.0.1:"))); r.Code != 0 {
			t.Fatalf("clone %s: %s", srv.URL, r.Stderr)
		}
	}
	// A host stored later needs no second install.
	if r := e.Run("later-token", "tok", "set", later.URL); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("", "git", "clone", "-q", later.URL+"/repo.git", filepath.Join(e.Dir, "later")); r.Code != 0 {
		t.Fatalf("clone of a host stored after install: %s", r.Stderr)
	}
	// What README says of the other hosts: git's store reached tok too (source git store).
	if l := e.Run("", "tok", "list", "--json"); !strings.Contains(l.Stdout, `"target": "`+theirs.URL+`/ (alice)"`) && !strings.Contains(l.Stdout, `"source": "git store"`) {
		t.Errorf("tok did not keep what the store helper gave: %s", l.Stdout)
	}
	// Idempotent; uninstall removes tok's entry and leaves the store helper.
	before, _ := os.ReadFile(e.Vars["GIT_CONFIG_GLOBAL"])
	e.Run("", "tok", "install", "git")
	if after, _ := os.ReadFile(e.Vars["GIT_CONFIG_GLOBAL"]); string(before) != string(after) {
		t.Fatalf("second install changed the config:\n%s\n%s", before, after)
	}
	e.Run("", "tok", "uninstall", "git")
	if h := e.Run("", "git", "config", "--global", "--get-all", "credential.helper").Stdout; h != "store --file="+creds+"\n" {
		t.Fatalf("after uninstall: %q", h)
	}
	// --by-name keeps the name form.
	e.Run("", "tok", "install", "git", "--by-name")
	if h := e.Run("", "git", "config", "--global", "--get-all", "credential.helper").Stdout; h != "tok\nstore --file="+creds+"\n" {
		t.Fatalf("--by-name wrote %q", h)
	}
}

// TestGitInstallAfterReset: a reset (empty value) in the same file would drop tok placed
// before it, so tok goes after it.
func TestGitInstallAfterReset(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	os.WriteFile(e.Vars["GIT_CONFIG_GLOBAL"], []byte("[credential]\n\thelper = cache\n\thelper =\n\thelper = store\n"), 0o600)
	if r := e.Run("", "tok", "install", "git", "--by-name"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if h := e.Run("", "git", "config", "--global", "--get-all", "credential.helper").Stdout; h != "cache\n\ntok\nstore\n" {
		t.Fatalf("helpers %q", h)
	}
	// An entry an older install wrote (another path) is replaced, not kept beside the new one.
	os.WriteFile(e.Vars["GIT_CONFIG_GLOBAL"], []byte("[credential]\n\thelper = store\n\thelper = /old/bin/git-credential-tok\n"), 0o600)
	e.Run("", "tok", "install", "git", "--by-name")
	if h := e.Run("", "git", "config", "--global", "--get-all", "credential.helper").Stdout; h != "tok\nstore\n" {
		t.Fatalf("helpers after reinstall %q", h)
	}
}

// TestDoctorGitCoverageAndMovedHelper: one summary line for git's coverage, and a configured
// helper path that no longer exists is a FAIL that says to rerun tok install git.
func TestDoctorGitCoverageAndMovedHelper(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	for _, host := range []string{"https://a.example.org", "https://b.example.org", "https://c.example.org"} {
		if r := e.Run("t0k", "tok", "set", host); r.Code != 0 {
			t.Fatal(r.Stderr)
		}
	}
	e.Run("", "tok", "install", "git", "https://a.example.org")
	d := e.Run("", "tok", "doctor")
	if !strings.Contains(d.Stdout, "git asks tok for 1 of 3 hosts: tok install git") || strings.Count(d.Stdout, "git asks tok") != 1 {
		t.Fatalf("doctor:\n%s", d.Stdout)
	}
	// A package manager moves the binaries after tok install git wrote the path.
	moved := filepath.Join(e.Dir, "moved")
	os.MkdirAll(moved, 0o755)
	for _, b := range []string{"tok", "git-credential-tok"} {
		data, err := os.ReadFile(filepath.Join(testenv.Bin(t), b))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(moved, b), data, 0o755)
	}
	if r := e.Run("", filepath.Join(moved, "tok"), "install", "git"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	d = e.Run("", "tok", "doctor")
	if !strings.Contains(d.Stdout, "ok    git asks tok for all 3 hosts") {
		t.Fatalf("doctor after install:\n%s", d.Stdout)
	}
	os.RemoveAll(moved)
	d = e.Run("", "tok", "doctor")
	want := "FAIL  git's config runs " + filepath.Join(moved, "git-credential-tok") + ", which no longer exists (moved by an upgrade?): run tok install git"
	if d.Code != 1 || !strings.Contains(d.Stdout, want) {
		t.Fatalf("doctor with a moved helper: exit %d\n%s", d.Code, d.Stdout)
	}
}

// TestDoctorLockedVaultIsNoFault: on a headless machine the vault is locked between sessions;
// doctor says so in a note and exits 0, and never suggests keyring's file backend instead.
func TestDoctorLockedVaultIsNoFault(t *testing.T) {
	e := vaultEnv(t, "none")
	d := e.Run("", "tok", "doctor")
	if !strings.Contains(d.Stdout, "note  the vault is locked, so its records are not listed") || strings.Contains(d.Stdout, "FAIL  listing") {
		t.Fatalf("doctor with a locked vault:\n%s\n%s", d.Stdout, d.Stderr)
	}
	if strings.Contains(d.Stdout+d.Stderr, "TOK_BACKEND=file") {
		t.Errorf("doctor suggests the file backend:\n%s", d.Stdout)
	}
	// Its helpers are on PATH here, so nothing else needs fixing: exit 0.
	e.Vars["PATH"] = testenv.Bin(t) + ":/usr/bin:/bin"
	if d := e.Run("", "tok", "doctor"); d.Code != 0 {
		t.Fatalf("doctor with a locked vault: exit %d\n%s", d.Code, d.Stdout)
	}
}

// TestDockerInstallNoRegistryCoversLaterLogins: tok install docker with no registry sets
// credsStore, so a docker login to a registry tok did not hold goes into tok, not config.json.
func TestDockerInstallNoRegistryCoversLaterLogins(t *testing.T) {
	testenv.Require(t, testenv.Have("docker"), "the docker CLI")
	e := testenv.NewEnv(t).FileBackend("pw")
	host, _ := basicAuthRegistry(t, "robot", "later-secret")
	e.Vars["DOCKER_CONFIG"] = filepath.Join(e.Dir, "docker")
	e.Vars["DOCKER_HOST"] = "unix://" + filepath.Join(e.Dir, "no-engine.sock")
	if r := e.Run("", "tok", "install", "docker"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	cfg, _ := os.ReadFile(filepath.Join(e.Vars["DOCKER_CONFIG"], "config.json"))
	if !strings.Contains(string(cfg), `"credsStore": "tok"`) || strings.Contains(string(cfg), "credHelpers") {
		t.Fatalf("config.json: %s", cfg)
	}
	r := e.Run("later-secret", "docker", "login", "--username", "robot", "--password-stdin", host)
	if r.Code != 0 || strings.Contains(r.Stderr, "unencrypted") {
		t.Fatalf("docker login: exit %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	if got := e.Run("", "tok", "get", "http://"+host); got.Stdout != "later-secret\n" {
		t.Fatalf("docker login did not store through tok: %q %q", got.Stdout, got.Stderr)
	}
	cfg, _ = os.ReadFile(filepath.Join(e.Vars["DOCKER_CONFIG"], "config.json"))
	if strings.Contains(string(cfg), "later-secret") || strings.Contains(string(cfg), "bGF0ZXItc2VjcmV0") {
		t.Fatalf("docker wrote the secret into config.json: %s", cfg)
	}
	// With registries named: credHelpers for those, as before.
	e2 := testenv.NewEnv(t).FileBackend("pw")
	e2.Vars["DOCKER_CONFIG"] = filepath.Join(e2.Dir, "docker")
	if r := e2.Run("", "tok", "install", "docker", "ghcr.io"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if cfg, _ := os.ReadFile(filepath.Join(e2.Vars["DOCKER_CONFIG"], "config.json")); strings.Contains(string(cfg), "credsStore") || !strings.Contains(string(cfg), `"ghcr.io": "tok"`) {
		t.Fatalf("config.json with a registry named: %s", cfg)
	}
}

// TestDeletePlatformAsksOnATerminal: tok delete PLATFORM says which record the name stands
// for and asks first on a terminal; a script (no terminal) or --yes is not asked.
func TestDeletePlatformAsksOnATerminal(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	const cave = "0123456789abcdef0123456789abcdef"
	if r := e.Run(cave, "tok", "set", "cave"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	term := newTerminal(t, e, `tok delete cave; echo "exit=$?"; tok delete cave; echo "second=$?"`)
	term.waitFor("Delete the cave credential for https://global.daf-apis.com from file? [y/N]")
	term.send("n", "Enter")
	term.waitFor("exit=1")
	if r := e.Run("", "tok", "get", "cave"); r.Stdout != cave+"\n" {
		t.Fatalf("answering no deleted it: %q %q", r.Stdout, r.Stderr)
	}
	term.send("y", "Enter")
	if s := term.waitFor("second="); !strings.Contains(s, "Deleted the credential for https://global.daf-apis.com") || !strings.Contains(s, "second=0") {
		t.Fatalf("terminal:\n%s", s)
	}
	if r := e.Run("", "tok", "get", "cave"); r.Code == 0 {
		t.Fatal("answering yes did not delete it")
	}
	// No terminal: a script is not asked.
	e.Run(cave, "tok", "set", "cave")
	if r := e.Run("", "tok", "delete", "cave"); r.Code != 0 || strings.Contains(r.Stderr, "[y/N]") {
		t.Fatalf("delete without a terminal: exit %d %s", r.Code, r.Stderr)
	}
}

// completionEnv holds three records on the file backend (which opens without a prompt
// here: TOK_FILE_PASSPHRASE is set).
func completionEnv(t *testing.T) *testenv.Env {
	e := testenv.NewEnv(t).FileBackend("pw")
	for _, target := range []string{"https://api.example.org", "http://localhost:8080/x", "*.wild.example.org"} {
		if r := e.Run("t0k", "tok", "set", target); r.Code != 0 {
			t.Fatal(r.Stderr)
		}
	}
	return e
}

// TestCompletionBashForReal: bash's completion function, sourced from tok completion bash and
// called as bash calls it (COMP_LINE, COMP_POINT), offers commands, flags, platform names and
// the stored targets.
func TestCompletionBashForReal(t *testing.T) {
	testenv.Require(t, testenv.Have("bash"), "bash")
	e := completionEnv(t)
	script := `source <(tok completion bash)
c() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _tok_complete; local IFS='|'; echo "$1=>${COMPREPLY[*]}"; }
c "tok "
c "tok ge"
c "tok get "
c "tok get api"
c "tok get http://loc"
c "tok delete --"
c "tok set x --platform c"
c "tok install "
c "tok exec --only cu"
c "tok exec -- "
`
	r := e.Run(script, "bash", "--norc", "--noprofile")
	for _, want := range []string{
		"tok =>set|get|default|list|delete|status|doctor|exec|login|refresh|import|unlock|lock|passwd|migrate|env|grant|sbatch|install|uninstall|version|completion\n",
		"tok ge=>get\n",
		"tok get =>cave|codeocean|curvenote|jwt|http://localhost:8080/x|*.wild.example.org|api.example.org\n",
		"tok get api=>api.example.org\n",
		"tok get http://loc=>//localhost:8080/x\n", // bash replaces only what follows the ":"
		"tok delete --=>--username|--all|--yes|--help\n",
		"tok set x --platform c=>cave|codeocean|curvenote\n",
		"tok install =>docker|git\n",
		"tok exec --only cu=>curvenote\n",
		"tok exec -- =>\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("want %q in:\n%s%s", want, r.Stdout, r.Stderr)
		}
	}
}

// TestCompletionBashTabInATerminal: the same through a person's Tab key in an interactive bash.
func TestCompletionBashTabInATerminal(t *testing.T) {
	testenv.Require(t, testenv.Have("bash"), "bash")
	e := completionEnv(t)
	rc := filepath.Join(e.Dir, "bashrc")
	os.WriteFile(rc, []byte("source <(tok completion bash)\nPS1='$ '\n"), 0o600)
	term := newTerminal(t, e, "exec bash --noprofile --rcfile "+shQuote(rc)+" -i")
	term.waitFor("$")
	// The "X" typed after Tab shows where the completion left the cursor.
	term.send("tok ins", "Tab", "X")
	term.waitFor("$ tok install X")
	term.send("C-u", "tok get ap", "Tab", "X")
	term.waitFor("$ tok get api.example.org X")
	term.send("C-u", "tok get http://loc", "Tab", "X")
	term.waitFor("$ tok get http://localhost:8080/x X")
	term.send("C-u")
}

// TestCompletionFish: fish's own completion engine, given tok completion fish.
func TestCompletionFish(t *testing.T) {
	testenv.Require(t, testenv.Have("fish"), "fish")
	e := completionEnv(t)
	r := e.Run("", "fish", "--no-config", "-c", `tok completion fish | source; complete -C"tok get "; echo ---; complete -C"tok st"; echo ---; complete -C"tok set --pl"`)
	for _, want := range []string{"api.example.org\n", "http://localhost:8080/x\n", "curvenote\n", "---\nstatus\n---\n--platform\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("want %q in:\n%s%s", want, r.Stdout, r.Stderr)
		}
	}
}

// TestCompletionNeverPrompts: with a locked vault, completion offers platform names and no
// stored target, without asking for the passphrase (it runs from a terminal's Tab key).
func TestCompletionNeverPrompts(t *testing.T) {
	e := vaultEnv(t, "none")
	term := newTerminal(t, e, `tok __complete get ""; echo "exit=$?"`)
	s := term.waitFor("exit=")
	if !strings.Contains(s, "curvenote") || strings.Contains(s, "example.org") || strings.Contains(s, "assphrase") || !strings.Contains(s, "exit=0") {
		t.Fatalf("completion with a locked vault:\n%s", s)
	}
	// Unlocked by the environment, it offers the stored targets.
	if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}).Run("", "tok", "__complete", "get", "h"); r.Stdout != "h0.example.org\nh1.example.org\nh2.example.org\n" {
		t.Fatalf("completion with the passphrase: %q %q", r.Stdout, r.Stderr)
	}
}

// TestCompletionZshLoads: zsh's script parses and registers _tok for tok (zsh's completion
// widgets need a terminal of their own; the candidates are tok __complete's, tested above).
func TestCompletionZshLoads(t *testing.T) {
	testenv.Require(t, testenv.Have("zsh"), "zsh")
	e := completionEnv(t)
	r := e.Run("", "zsh", "-f", "-c", `autoload -U compinit && compinit -u -d "$HOME/.zcompdump" && source <(tok completion zsh) && print -r -- "${_comps[tok]}"`)
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != "_tok" {
		t.Fatalf("zsh: exit %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
}

// TestGitInstallPrefersTheLinkOnPath: when git-credential-tok on PATH is a link to the one
// beside tok (Homebrew's bin/, a distribution's /usr/bin), install writes the link's path,
// which an upgrade that moves the real file keeps working.
func TestGitInstallPrefersTheLinkOnPath(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	real, links := filepath.Join(e.Dir, "Cellar", "tok", "1.0", "bin"), filepath.Join(e.Dir, "bin")
	os.MkdirAll(real, 0o755)
	os.MkdirAll(links, 0o755)
	for _, b := range []string{"tok", "git-credential-tok"} {
		data, err := os.ReadFile(filepath.Join(testenv.Bin(t), b))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(real, b), data, 0o755)
		if err := os.Symlink(filepath.Join(real, b), filepath.Join(links, b)); err != nil {
			t.Fatal(err)
		}
	}
	e.Vars["PATH"] = links + ":/usr/bin:/bin"
	if r := e.Run("", filepath.Join(links, "tok"), "install", "git"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if h := e.Run("", "git", "config", "--global", "credential.helper").Stdout; h != filepath.Join(links, "git-credential-tok")+"\n" {
		t.Fatalf("helper %q, want the link on PATH", h)
	}
}
