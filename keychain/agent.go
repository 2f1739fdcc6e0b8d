//go:build !windows

package keychain

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tok-dev/tok/internal/atomicfile"
)

// Agent is tok agent: a small process holding unlocked vault identities in memory, reached on
// a unix socket in a 0700 directory, which answers only its own user and exits once it holds
// nothing. Like git's credential-cache daemon, it is started on demand by tok unlock.
type Agent struct {
	Socket string
}

// DefaultAgentSocket is $XDG_RUNTIME_DIR/tok/agent.sock, else a per-user directory in /tmp.
func DefaultAgentSocket(runtimeDir string) string {
	if runtimeDir == "" {
		runtimeDir = filepath.Join(os.TempDir(), fmt.Sprintf("tok-%d", os.Getuid()))
	} else {
		runtimeDir = filepath.Join(runtimeDir, "tok")
	}
	return filepath.Join(runtimeDir, "agent.sock")
}

// Name implements IdentityCache.
func (a Agent) Name() string { return "tok agent (" + a.Socket + ")" }

// checkSocket refuses a socket or directory that another user owns or others can use.
func (a Agent) checkSocket() error {
	dirInfo, err := os.Lstat(filepath.Dir(a.Socket))
	if err != nil {
		return err
	}
	info, err := os.Lstat(a.Socket)
	if err != nil {
		return err
	}
	uid := uint32(os.Getuid())
	for _, fi := range []os.FileInfo{dirInfo, info} {
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok && st.Uid != uid {
			return fmt.Errorf("%s is owned by another user (uid %d); refusing to use it", fi.Name(), st.Uid)
		}
	}
	if dirInfo.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is open to other users (mode %o); refusing to use it", filepath.Dir(a.Socket), dirInfo.Mode().Perm())
	}
	if info.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s is not a socket; refusing to use it", a.Socket)
	}
	return nil
}

func (a Agent) call(line string) (string, error) {
	if err := a.checkSocket(); err != nil {
		return "", err
	}
	conn, err := net.DialTimeout("unix", a.Socket, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintln(conn, line); err != nil {
		return "", err
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSuffix(reply, "\n"), err
}

// Load implements IdentityCache.
func (a Agent) Load(vaultID string) (string, time.Time, error) {
	reply, err := a.call("GET " + vaultID)
	if err != nil {
		if noAgent(err) {
			return "", time.Time{}, ErrVaultLocked
		}
		return "", time.Time{}, err
	}
	fields := strings.Fields(reply)
	if len(fields) != 3 || fields[0] != "OK" {
		return "", time.Time{}, ErrVaultLocked
	}
	secs, _ := strconv.ParseInt(fields[1], 10, 64)
	return fields[2], time.Unix(secs, 0), nil
}

// Keep implements IdentityCache, starting the agent when none answers.
func (a Agent) Keep(vaultID, identity string, until time.Time) error {
	line := fmt.Sprintf("PUT %s %d %s", vaultID, ceilUnix(until), identity)
	reply, err := a.call(line)
	if err == nil && reply == "OK" {
		return nil
	}
	if err != nil && !noAgent(err) {
		return err // a socket tok must not trust
	}
	if err := a.start(); err != nil {
		return err
	}
	if reply, err = a.call(line); err != nil || reply != "OK" {
		return fmt.Errorf("tok agent did not take the key: %v %s", err, reply)
	}
	return nil
}

// noAgent reports whether err means no agent is running (as opposed to one tok refuses).
func noAgent(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED)
}

// Forget implements IdentityCache.
func (a Agent) Forget(vaultID string) error {
	_, err := a.call("FORGET " + vaultID)
	if err != nil && noAgent(err) {
		return nil
	}
	return err
}

// start runs "tok agent" in its own session and waits for its socket.
func (a Agent) start() error {
	self, err := agentProgram()
	if err != nil {
		return err
	}
	args := []string{"agent", "--socket", a.Socket}
	if iv := os.Getenv("TOK_AGENT_INTERVAL"); iv != "" {
		args = append(args, "--interval", iv)
	}
	cmd := exec.Command(self, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Env = WithoutPassphrase(os.Environ()) // it would stay in /proc/PID/environ for the agent's life
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting tok agent: %w", err)
	}
	go cmd.Wait()
	for i := 0; i < 100; i++ {
		if _, err := a.call("PING"); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("tok agent did not start within 2 s")
}

// agentProgram is the tok binary that runs the agent: this one, or the tok installed beside a
// helper (git-credential-tok, docker-credential-tok) that unlocked the vault at its prompt.
func agentProgram() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(filepath.Base(self), "-credential-tok") {
		return self, nil
	}
	tok := filepath.Join(filepath.Dir(self), "tok")
	if _, err := os.Stat(tok); err == nil {
		return tok, nil
	}
	return exec.LookPath("tok")
}

type held struct {
	identity string
	until    time.Time
}

// Serve runs the agent until it holds nothing (checked every interval) or is told to lock.
func (a Agent) Serve(interval time.Duration) error {
	dir := filepath.Dir(a.Socket)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	if _, err := a.call("PING"); err == nil {
		return errors.New("another tok agent already answers on " + a.Socket)
	}
	if _, err := os.Lstat(a.Socket); err == nil {
		if err := a.checkSocket(); err != nil {
			return err
		}
		os.Remove(a.Socket) // a stale socket of ours
	}
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", a.Socket)
	syscall.Umask(old)
	if err != nil {
		return err
	}
	defer os.Remove(a.Socket)
	var mu sync.Mutex
	keys := map[string]held{}
	started := time.Now()
	done := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(done); ln.Close() }) }
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(interval):
			}
			mu.Lock()
			for id, h := range keys {
				if time.Now().After(h.until) {
					delete(keys, id)
				}
			}
			empty := len(keys) == 0
			mu.Unlock()
			if empty && time.Since(started) > interval {
				stop()
			}
		}
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case <-done:
				return nil
			default:
				return err
			}
		}
		go func(conn net.Conn) {
			defer conn.Close()
			if !samePeer(conn) {
				return
			}
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			line, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(line)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case len(f) == 1 && f[0] == "PING":
				fmt.Fprintln(conn, "OK")
			case len(f) == 2 && f[0] == "GET":
				if h, ok := keys[f[1]]; ok && time.Now().Before(h.until) {
					fmt.Fprintf(conn, "OK %d %s\n", h.until.Unix(), h.identity)
				} else {
					fmt.Fprintln(conn, "NO")
				}
			case len(f) == 4 && f[0] == "PUT":
				secs, err := strconv.ParseInt(f[2], 10, 64)
				if err != nil {
					fmt.Fprintln(conn, "ERR bad time")
					return
				}
				keys[f[1]] = held{identity: f[3], until: time.Unix(secs, 0)}
				fmt.Fprintln(conn, "OK")
			case len(f) == 2 && f[0] == "FORGET":
				delete(keys, f[1])
				fmt.Fprintln(conn, "OK")
				if len(keys) == 0 {
					go stop()
				}
			default:
				fmt.Fprintln(conn, "ERR unknown request")
			}
		}(conn)
	}
}

func agentCaches(runtimeDir string) []IdentityCache {
	return []IdentityCache{Agent{Socket: DefaultAgentSocket(runtimeDir)}}
}

// agentsFile lists, one a line, the sockets of agents tok unlock gave a key to, so tok lock
// finds them from a session with another XDG_RUNTIME_DIR (or none).
func agentsFile(stateDir string) string { return filepath.Join(stateDir, "agents") }

// rememberAgent notes an agent's socket in stateDir's list, once.
func rememberAgent(stateDir string, c IdentityCache) error {
	a, ok := c.(Agent)
	if !ok || stateDir == "" {
		return nil
	}
	known := readAgents(stateDir)
	for _, s := range known {
		if s == a.Socket {
			return nil
		}
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	return atomicfile.Write(agentsFile(stateDir), []byte(strings.Join(append(known, a.Socket), "\n")+"\n"), 0o600)
}

func readAgents(stateDir string) []string {
	data, err := os.ReadFile(agentsFile(stateDir))
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); filepath.IsAbs(line) {
			out = append(out, line)
		}
	}
	return out
}

// reachableAgents are the agents an unlock may have used: this session's, the ones of a
// session with XDG_RUNTIME_DIR at its usual place or unset, and every one tok unlock noted.
func reachableAgents(runtimeDir, stateDir string) []IdentityCache {
	sockets := []string{
		DefaultAgentSocket(runtimeDir),
		DefaultAgentSocket(fmt.Sprintf("/run/user/%d", os.Getuid())),
		DefaultAgentSocket(""),
	}
	sockets = append(sockets, readAgents(stateDir)...)
	var out []IdentityCache
	seen := map[string]bool{}
	for _, s := range sockets {
		if !seen[s] {
			seen[s] = true
			out = append(out, Agent{Socket: s})
		}
	}
	return out
}

// pruneAgents drops from stateDir's list the agents whose socket is gone (an agent removes it
// when it exits, once it holds nothing).
func pruneAgents(stateDir string) {
	known := readAgents(stateDir)
	var live []string
	for _, s := range known {
		if _, err := os.Lstat(s); err == nil {
			live = append(live, s)
		}
	}
	switch {
	case len(live) == len(known):
	case len(live) == 0:
		os.Remove(agentsFile(stateDir))
	default:
		atomicfile.Write(agentsFile(stateDir), []byte(strings.Join(live, "\n")+"\n"), 0o600)
	}
}
