package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/keychain"
)

// vaultEnv is an environment on the default backend with no OS keychain: the vault. The
// passphrase is given only where a test says so.
func vaultEnv(t *testing.T, cache string) *testenv.Env {
	e := testenv.NewEnv(t)
	e.Vars["TOK_VAULT_CACHE"] = cache
	e.Vars["TOK_AGENT_INTERVAL"] = "200ms"
	withPass := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"})
	for i := 0; i < 3; i++ {
		if r := withPass.Run(fmt.Sprintf("secret-%d", i), "tok", "set", fmt.Sprintf("https://h%d.example.org", i)); r.Code != 0 || !strings.Contains(r.Stderr, "in vault") {
			t.Fatalf("set on the default headless backend: %s", r.Stderr)
		}
	}
	t.Cleanup(func() { e.Run("", "tok", "lock") })
	return e
}

func keyctlUsable(t *testing.T) bool {
	out, err := exec.Command("sh", "-c", "command -v keyctl >/dev/null && keyctl show @u").CombinedOutput()
	if err != nil {
		t.Logf("keyctl unusable here: %v %s", err, out)
	}
	return err == nil
}

func TestVaultUnlockOnceThenHelpers(t *testing.T) {
	for _, cache := range []string{"keyctl", "agent"} {
		t.Run(cache, func(t *testing.T) {
			if cache == "keyctl" {
				ok := keyctlUsable(t)
				testenv.Require(t, ok, "the kernel keyring (keyctl show @u refused here)")
				if !ok {
					return
				}
			}
			e := vaultEnv(t, cache)
			locked := e.Run("protocol=https\nhost=h1.example.org\n", "git-credential-tok", "get")
			if locked.Stdout != "" || !strings.Contains(locked.Stderr, "tok unlock") {
				t.Fatalf("a locked vault: %q %q", locked.Stdout, locked.Stderr)
			}
			if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "wrong"}).Run("", "tok", "unlock"); r.Code == 0 || !strings.Contains(r.Stderr, "wrong passphrase") {
				t.Fatalf("unlock with a wrong passphrase: %d %q", r.Code, r.Stderr)
			}
			if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}).Run("", "tok", "unlock", "--timeout", "1m"); r.Code != 0 {
				t.Fatalf("unlock: %s", r.Stderr)
			}
			// 100 helper calls with no passphrase source at all.
			for i := 0; i < 100; i++ {
				host := fmt.Sprintf("h%d.example.org", i%3)
				r := e.Run("protocol=https\nhost="+host+"\n", "git-credential-tok", "get")
				if !strings.Contains(r.Stdout, fmt.Sprintf("password=secret-%d\n", i%3)) {
					t.Fatalf("call %d: %q %q", i, r.Stdout, r.Stderr)
				}
			}
			if r := e.Run("", "tok", "doctor"); !strings.Contains(r.Stdout, "unlocked until") {
				t.Errorf("doctor does not say the vault is unlocked: %s", r.Stdout)
			}
			if r := e.Run("", "tok", "lock"); r.Code != 0 {
				t.Fatal(r.Stderr)
			}
			if r := e.Run("", "tok", "get", "h0.example.org"); r.Code == 0 {
				t.Fatal("tok lock did not lock")
			}
		})
	}
}

func TestVaultUnlockTimeout(t *testing.T) {
	e := vaultEnv(t, "agent")
	if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}).Run("", "tok", "unlock", "--timeout", "1s"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("", "tok", "get", "h2.example.org"); r.Stdout != "secret-2\n" {
		t.Fatalf("right after unlock: %q %q", r.Stdout, r.Stderr)
	}
	time.Sleep(2500 * time.Millisecond) // the caches keep whole seconds, rounded up: a 1 s unlock ends within 2 s
	if r := e.Run("", "tok", "get", "h2.example.org"); r.Code == 0 || !strings.Contains(r.Stderr, "locked") {
		t.Fatalf("after the timeout: %d %q", r.Code, r.Stderr)
	}
	// The agent exits once it holds nothing.
	socket := filepath.Join(e.Vars["XDG_RUNTIME_DIR"], "tok", "agent.sock")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(socket); os.IsNotExist(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("tok agent did not exit when idle")
}

func TestVaultRefusesAForeignSocket(t *testing.T) {
	testenv.Require(t, os.Getuid() == 0, "root (to make a socket owned by another user)")
	if os.Getuid() != 0 {
		return
	}
	e := vaultEnv(t, "agent")
	dir := filepath.Join(e.Vars["XDG_RUNTIME_DIR"], "tok")
	os.MkdirAll(dir, 0o700)
	socket := filepath.Join(dir, "agent.sock")
	ln, err := netListenUnix(socket)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	os.Chown(socket, 65534, 65534)
	r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}).Run("", "tok", "unlock")
	if r.Code == 0 || !strings.Contains(r.Stderr, "another user") {
		t.Fatalf("unlock with a foreign socket: %d %q", r.Code, r.Stderr)
	}
}

func TestVaultTamperedRecord(t *testing.T) {
	e := vaultEnv(t, "none")
	e.Vars["TOK_FILE_PASSPHRASE"] = "vault pass"
	records, _ := filepath.Glob(filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault", "records", "*.age"))
	if len(records) != 3 {
		t.Fatalf("%d record files", len(records))
	}
	for _, p := range records {
		if data, _ := os.ReadFile(p); strings.Contains(string(data), "example.org") || strings.Contains(filepath.Base(p), "example") {
			t.Fatalf("a record file shows its host: %s", p)
		}
	}
	// Which file is h0's? Flip a byte in each in turn until h0 fails: the others must still read.
	var h0 string
	for _, p := range records {
		orig, _ := os.ReadFile(p)
		bad := append([]byte{}, orig...)
		bad[len(bad)-5] ^= 0x55
		os.WriteFile(p, bad, 0o600)
		if r := e.Run("", "tok", "get", "h0.example.org"); r.Code != 0 {
			if !strings.Contains(r.Stderr, "tampered") {
				t.Fatalf("a tampered record: %q", r.Stderr)
			}
			h0 = p
			if ok := e.Run("", "tok", "get", "h1.example.org"); ok.Stdout != "secret-1\n" {
				t.Fatal("one tampered record broke another")
			}
			os.WriteFile(p, orig, 0o600)
			break
		}
		os.WriteFile(p, orig, 0o600)
	}
	if h0 == "" {
		t.Fatal("no record was detected as tampered")
	}
	// A record moved onto another's name is refused too.
	other := records[0]
	if other == h0 {
		other = records[1]
	}
	data, _ := os.ReadFile(other)
	os.WriteFile(h0, data, 0o600)
	if r := e.Run("", "tok", "get", "h0.example.org"); r.Code == 0 || !strings.Contains(r.Stderr, "tampered") {
		t.Fatalf("a swapped record: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
}

func TestVaultNewerFormatAndWrongPassphrase(t *testing.T) {
	e := vaultEnv(t, "none")
	meta := filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault", "vault.json")
	if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "nope"}).Run("", "tok", "get", "h0.example.org"); r.Code == 0 || !strings.Contains(r.Stderr, "wrong passphrase") {
		t.Fatalf("wrong passphrase: %q", r.Stderr)
	}
	data, _ := os.ReadFile(meta)
	os.WriteFile(meta, []byte(strings.Replace(string(data), `"version": 1`, `"version": 9`, 1)), 0o600)
	r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}).Run("", "tok", "get", "h0.example.org")
	if r.Code == 0 || !strings.Contains(r.Stderr, "newer tok") {
		t.Fatalf("a newer vault: %q", r.Stderr)
	}
	os.WriteFile(meta, data, 0o600)
}

// TestVaultKilledWriters: tok set processes killed with SIGKILL inside their write (the
// moment the record's temp file appears, before its rename) leave a vault in which every
// record reads and holds a value that was written to it. The kills are shown to land inside
// the write: each one that did leaves its temp file behind.
func TestVaultKilledWriters(t *testing.T) {
	e := vaultEnv(t, "none") // h0, h1 and h2 hold secret-0, -1 and -2
	e.Vars["TOK_FILE_PASSPHRASE"] = "vault pass"
	records := filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault", "records")
	written := map[int]map[string]bool{}
	for h := 0; h < 3; h++ {
		written[h] = map[string]bool{fmt.Sprintf("secret-%d", h): true}
	}
	big := strings.Repeat("z", 1000*1024)
	const writers = 9 // three per host; each pays for an unlock (scrypt) before its write
	interrupted := 0
	for i := 0; i < writers; i++ {
		h := i % 3
		value := big + fmt.Sprint(i)
		written[h][value] = true
		before := tempFiles(t, records)
		cmd := e.Command(context.Background(), "tok", "set", fmt.Sprintf("https://h%d.example.org", h))
		cmd.Stdin = strings.NewReader(value)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
	watch:
		for {
			select {
			case <-done:
				break watch
			default:
			}
			if len(tempFiles(t, records)) > len(before) {
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
				break
			}
		}
		if len(tempFiles(t, records)) > len(before) {
			interrupted++
		}
	}
	t.Logf("%d of %d writers were killed inside their write", interrupted, writers)
	if interrupted < writers/3 {
		t.Fatalf("only %d of %d kills landed inside a write: the test would prove nothing", interrupted, writers)
	}
	for h := 0; h < 3; h++ {
		g := e.Run("", "tok", "get", fmt.Sprintf("h%d.example.org", h))
		if g.Code != 0 {
			t.Fatalf("h%d unreadable after killed writers: %q", h, g.Stderr)
		}
		if got := strings.TrimSuffix(g.Stdout, "\n"); !written[h][got] {
			t.Fatalf("h%d holds a value (%d bytes) no writer wrote", h, len(got))
		}
	}
	r := e.Run("", "tok", "list", "--json")
	if r.Code != 0 || strings.Contains(r.Stdout, `"error"`) || strings.Count(r.Stdout, `"target"`) != 3 {
		t.Fatalf("after killed writers: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
}

// tempFiles lists the temp files in dir (atomicfile's ".NAME.tmp-*").
func tempFiles(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestMigrateFileToVault(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("same pass")
	e.Run("from-file", "tok", "set", "https://old.example.org")
	e.Run("cop_fromfiletoken", "tok", "set", "https://acme.codeocean.com")
	if r := e.Run("", "tok", "migrate"); r.Code != 0 || !strings.Contains(r.Stderr, "Moved 2") {
		t.Fatalf("migrate: %d %s", r.Code, r.Stderr)
	}
	v := e.With(map[string]string{"TOK_BACKEND": "vault"})
	if r := v.Run("", "tok", "get", "old.example.org"); r.Stdout != "from-file\n" {
		t.Fatalf("after migrate: %q %q", r.Stdout, r.Stderr)
	}
	if r := v.Run("", "tok", "list", "--json"); !strings.Contains(r.Stdout, `"platform": "codeocean"`) {
		t.Fatalf("migrate lost record data: %s", r.Stdout)
	}
}

// TestVaultConcurrentFirstUse: tok set processes started together on a vault that does not
// exist yet (four accounts on one host, four hosts of their own) all keep their record, in
// each of 10 rounds (design.md invariant 11). A process that opened the store before another
// made vault.json must still find the records that one wrote.
func TestVaultConcurrentFirstUse(t *testing.T) {
	users := []string{"alice", "bob", "carol", "dave"}
	for round := 0; round < 10; round++ {
		e := testenv.NewEnv(t)
		e.Vars["TOK_BACKEND"] = "vault"
		e.Vars["TOK_VAULT_CACHE"] = "agent"
		e.Vars["TOK_AGENT_INTERVAL"] = "200ms"
		writers := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"})
		var wg sync.WaitGroup
		results := make([]testenv.Result, 2*len(users))
		for i, u := range users {
			wg.Add(2)
			go func(i int, u string) {
				defer wg.Done()
				results[i] = writers.Run("secret-"+u, "tok", "set", "https://shared.example.org", "--username", u)
			}(i, u)
			go func(i int) {
				defer wg.Done()
				results[len(users)+i] = writers.Run(fmt.Sprintf("own-%d", i), "tok", "set", fmt.Sprintf("https://own%d.example.org", i))
			}(i)
		}
		wg.Wait()
		for i, r := range results {
			if r.Code != 0 || !strings.Contains(r.Stderr, "Stored") {
				t.Fatalf("round %d, writer %d: exit %d: %s", round, i, r.Code, r.Stderr)
			}
		}
		// One unlock (one scrypt) per round, so the reads below are cheap.
		if r := writers.Run("", "tok", "unlock", "--timeout", "1m"); r.Code != 0 {
			t.Fatalf("round %d: unlock: %s", round, r.Stderr)
		}
		for i, u := range users {
			if r := e.Run("", "tok", "get", "https://shared.example.org", "--username", u); r.Stdout != "secret-"+u+"\n" {
				t.Errorf("round %d: %s's record on the shared host: %q %q", round, u, r.Stdout, r.Stderr)
			}
			if r := e.Run("", "tok", "get", fmt.Sprintf("https://own%d.example.org", i)); r.Stdout != fmt.Sprintf("own-%d\n", i) {
				t.Errorf("round %d: own%d: %q %q", round, i, r.Stdout, r.Stderr)
			}
		}
		if r := e.Run("", "tok", "list", "--json"); strings.Count(r.Stdout, `"target"`) != 2*len(users) {
			t.Fatalf("round %d: %d records listed, want %d: %s %s", round, strings.Count(r.Stdout, `"target"`), 2*len(users), r.Stdout, r.Stderr)
		}
		e.Run("", "tok", "lock")
	}
}

// TestVaultLockReachesEveryCache: an unlock held by tok agent under one XDG_RUNTIME_DIR is
// locked by tok lock run under another, or with TOK_VAULT_CACHE naming another cache, and tok
// lock says what held the key; and the kernel keyring is locked whatever TOK_VAULT_CACHE says.
func TestVaultLockReachesEveryCache(t *testing.T) {
	e := vaultEnv(t, "agent")
	pass := map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}
	otherRun := filepath.Join(e.Dir, "other-run")
	os.MkdirAll(otherRun, 0o700)
	lockers := map[string]*testenv.Env{
		"another XDG_RUNTIME_DIR": e.With(map[string]string{"XDG_RUNTIME_DIR": otherRun}),
		"no XDG_RUNTIME_DIR":      e.With(map[string]string{"XDG_RUNTIME_DIR": ""}),
		"TOK_VAULT_CACHE=keyctl":  e.With(map[string]string{"TOK_VAULT_CACHE": "keyctl"}),
	}
	for name, locker := range lockers {
		if r := e.With(pass).Run("", "tok", "unlock", "--timeout", "1m"); r.Code != 0 || !strings.Contains(r.Stderr, "tok agent") {
			t.Fatalf("%s: unlock: %s", name, r.Stderr)
		}
		if r := e.Run("", "tok", "get", "h0.example.org"); r.Stdout != "secret-0\n" {
			t.Fatalf("%s: unlocked read: %q %q", name, r.Stdout, r.Stderr)
		}
		r := locker.Run("", "tok", "lock")
		if r.Code != 0 || !strings.Contains(r.Stderr, "Locked the vault") || !strings.Contains(r.Stderr, filepath.Join(e.Vars["XDG_RUNTIME_DIR"], "tok", "agent.sock")) {
			t.Fatalf("%s: tok lock: %d %q", name, r.Code, r.Stderr)
		}
		if r := e.Run("", "tok", "get", "h0.example.org"); r.Code == 0 || !strings.Contains(r.Stderr, "locked") {
			t.Fatalf("%s: the first session still reads after tok lock: %q %q", name, r.Stdout, r.Stderr)
		}
		if r := locker.Run("", "tok", "lock"); r.Code != 0 || !strings.Contains(r.Stderr, "no kernel keyring key or tok agent") {
			t.Fatalf("%s: a second tok lock: %d %q", name, r.Code, r.Stderr)
		}
	}
	if !keyctlUsable(t) {
		testenv.Require(t, false, "a usable kernel keyring (keyctl)")
	}
	keyctl := e.With(map[string]string{"TOK_VAULT_CACHE": "keyctl"})
	if r := keyctl.With(pass).Run("", "tok", "unlock", "--timeout", "1m"); r.Code != 0 || !strings.Contains(r.Stderr, "kernel keyring") {
		t.Fatalf("unlock into the kernel keyring: %s", r.Stderr)
	}
	if r := e.Run("", "tok", "lock"); r.Code != 0 || !strings.Contains(r.Stderr, "forgot its key in the kernel keyring") {
		t.Fatalf("tok lock with TOK_VAULT_CACHE=agent left the kernel keyring: %d %q", r.Code, r.Stderr)
	}
	if r := keyctl.Run("", "tok", "get", "h0.example.org"); r.Code == 0 {
		t.Fatal("the kernel keyring still held the key after tok lock")
	}
}

// TestVaultAgainstADirectoryWriter: someone who can write the vault's directory, but holds
// neither the passphrase nor the unlocked key, cannot get git to take a record they planted
// or an older (revoked) copy of one, nor make git store, tok set or an unlock use their
// vault.json (so that writes would be encrypted to their key).
func TestVaultAgainstADirectoryWriter(t *testing.T) {
	e := vaultEnv(t, "agent")
	pass := map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}
	vaultDir := filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault")
	if r := e.With(pass).Run("", "tok", "unlock", "--timeout", "2m"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	fill := func(host string) testenv.Result {
		return e.Run("protocol=https\nhost="+host+"\n", "git-credential-tok", "get")
	}
	var meta struct{ Recipient, Salt string }
	metaData, _ := os.ReadFile(filepath.Join(vaultDir, "vault.json"))
	json.Unmarshal(metaData, &meta)
	recordFile := func(host string) string {
		sum := sha256.Sum256([]byte(meta.Salt + "\x00" + keychain.Target{Scheme: "https", Host: host}.Key()))
		return filepath.Join(vaultDir, "records", hex.EncodeToString(sum[:16])+".age")
	}

	// Planted: made from what the directory shows (recipient, salt) and tok's formats.
	recipient, err := age.ParseX25519Recipient(meta.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"planted.example.org", "h1.example.org"} {
		data, _ := keychain.Record{Secret: "attacker-token", Target: "https://" + host}.Encode()
		plain, _ := json.Marshal(map[string]any{"key": keychain.Target{Scheme: "https", Host: host}.Key(), "data": data})
		var buf bytes.Buffer
		w, _ := age.Encrypt(&buf, recipient)
		w.Write(plain)
		w.Close()
		if err := os.WriteFile(recordFile(host), buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if r := fill(host); strings.Contains(r.Stdout, "attacker-token") || !strings.Contains(r.Stderr, "tampered") {
			t.Fatalf("git got a planted record for %s: %q %q", host, r.Stdout, r.Stderr)
		}
	}
	// Not overwritten unasked, removed by tok delete.
	if r := e.Run("secret-1", "tok", "set", "https://h1.example.org"); r.Code == 0 || !strings.Contains(r.Stderr, "tok delete") {
		t.Fatalf("storing over a planted record: %d %s", r.Code, r.Stderr)
	}
	if r := e.Run("", "tok", "delete", "https://h1.example.org"); r.Code != 0 {
		t.Fatalf("deleting a planted record: %s", r.Stderr)
	}
	if r := e.Run("secret-1", "tok", "set", "https://h1.example.org"); r.Code != 0 {
		t.Fatalf("storing after deleting a planted record: %s", r.Stderr)
	}

	// Rolled back: the revoked token's file put back after a new one was stored.
	revoked, _ := os.ReadFile(recordFile("h2.example.org"))
	if r := e.Run("new-token", "tok", "set", "https://h2.example.org"); r.Code != 0 {
		t.Fatalf("tok set: %s", r.Stderr)
	}
	if r := fill("h2.example.org"); !strings.Contains(r.Stdout, "password=new-token") {
		t.Fatalf("after tok set: %q %q", r.Stdout, r.Stderr)
	}
	os.WriteFile(recordFile("h2.example.org"), revoked, 0o600)
	if r := fill("h2.example.org"); strings.Contains(r.Stdout, "secret-2") || !strings.Contains(r.Stderr, "older copy") {
		t.Fatalf("git got a rolled-back record: %q %q", r.Stdout, r.Stderr)
	}

	// vault.json swapped for one whose key the attacker holds.
	attacker := testenv.NewEnv(t)
	attacker.Vars["TOK_BACKEND"] = "vault"
	if r := attacker.With(map[string]string{"TOK_FILE_PASSPHRASE": "attacker"}).Run("x", "tok", "set", "https://x.example.org"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	theirs, _ := os.ReadFile(filepath.Join(attacker.Vars["XDG_DATA_HOME"], "tok", "vault", "vault.json"))
	os.WriteFile(filepath.Join(vaultDir, "vault.json"), theirs, 0o600)
	before := dirSnapshot(t, filepath.Join(vaultDir, "records"))
	gitStore := "protocol=https\nhost=h0.example.org\nusername=x\npassword=would-go-to-the-attacker\n"
	for name, r := range map[string]testenv.Result{
		"git store, unlocked": e.Run(gitStore, "git-credential-tok", "store"),
		"tok set, unlocked":   e.Run("would-go-to-the-attacker", "tok", "set", "https://h0.example.org"),
		"git store, locked":   e.With(map[string]string{"TOK_VAULT_CACHE": "none"}).Run(gitStore, "git-credential-tok", "store"),
		"tok set, locked":     e.With(map[string]string{"TOK_VAULT_CACHE": "none"}).Run("would-go-to-the-attacker", "tok", "set", "https://h0.example.org"),
		"unlock, passphrase":  e.With(map[string]string{"TOK_VAULT_CACHE": "none", "TOK_FILE_PASSPHRASE": "vault pass"}).Run("", "tok", "unlock"),
		"tok list, unlocked":  e.Run("", "tok", "list"),
	} {
		if r.Code == 0 || !strings.Contains(r.Stderr, "vault.json was replaced") {
			t.Errorf("%s with a swapped vault.json: %d %q", name, r.Code, r.Stderr)
		}
	}
	if after := dirSnapshot(t, filepath.Join(vaultDir, "records")); after != before {
		t.Errorf("a write reached the vault with a swapped vault.json")
	}
	os.WriteFile(filepath.Join(vaultDir, "vault.json"), metaData, 0o600)
	if r := fill("h0.example.org"); !strings.Contains(r.Stdout, "password=secret-0") {
		t.Fatalf("after restoring vault.json: %q %q", r.Stdout, r.Stderr)
	}
}

// dirSnapshot names each file of dir with its size and modification time.
func dirSnapshot(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, en := range entries {
		info, _ := en.Info()
		b.WriteString(en.Name() + " " + info.ModTime().String() + "\n")
	}
	return b.String()
}
