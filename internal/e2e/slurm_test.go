package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/internal/testserver"
)

// slurmCluster is a one-node SLURM cluster of real daemons (munged, slurmctld, slurmd) on
// this machine, on free ports, with a private config (SLURM_CONF) and state; they are stopped
// when the test ends.
type slurmCluster struct {
	dir, conf string
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startSlurm(t *testing.T, e *testenv.Env) *slurmCluster {
	t.Helper()
	for _, p := range []string{"munged", "slurmctld", "slurmd", "sbatch", "scontrol", "sinfo"} {
		testenv.Require(t, testenv.Have(p) || testenv.FileExists("/usr/sbin/"+p), p+" (apt install slurm-wlm munge)")
	}
	testenv.Require(t, os.Getuid() == 0, "root (slurmd starts jobs as their user; this one-node cluster runs as root in a container)")
	// A short path: munge's socket must fit a sockaddr_un.
	dir, err := os.MkdirTemp("", "tokslurm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // another user reads slurm.conf and reaches munged (state stays 0700)
	for _, d := range []string{"state", "spool", "log"} {
		os.MkdirAll(filepath.Join(dir, d), 0o700)
	}
	host, _ := os.Hostname()
	host, _, _ = strings.Cut(host, ".")
	sock := filepath.Join(dir, "munge.sock")
	conf := filepath.Join(dir, "slurm.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`ClusterName=tok
SlurmctldHost=%[1]s
SlurmctldPort=%[3]d
SlurmdPort=%[4]d
AuthType=auth/munge
AuthInfo=socket=%[2]s/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=%[2]s/state
SlurmdSpoolDir=%[2]s/spool
SlurmctldPidFile=%[2]s/slurmctld.pid
SlurmdPidFile=%[2]s/slurmd.pid
SlurmctldLogFile=%[2]s/log/slurmctld.log
SlurmdLogFile=%[2]s/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
NodeName=%[1]s CPUs=%[5]d RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=%[1]s Default=YES MaxTime=60 State=UP
`, host, dir, freePort(t), freePort(t), numCPU())), 0o644)
	e.Vars["SLURM_CONF"] = conf
	start := func(name string, args ...string) {
		path, err := exec.LookPath(name)
		if err != nil {
			path = "/usr/sbin/" + name
		}
		cmd := exec.Command(path, args...)
		cmd.Env = append(os.Environ(), "SLURM_CONF="+conf)
		out, _ := os.Create(filepath.Join(dir, "log", name+".out"))
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting %s: %v", name, err)
		}
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			out.Close()
		})
	}
	// Cleanups run last-in first-out: slurmd stops first, munged last.
	start("munged", "-F", "--force", "--socket="+sock, "--pid-file="+filepath.Join(dir, "munged.pid"),
		"--log-file="+filepath.Join(dir, "log", "munged.log"), "--seed-file="+filepath.Join(dir, "munge.seed"))
	waitFor(t, 10*time.Second, "munged's socket", func() bool { return testenv.FileExists(sock) })
	start("slurmctld", "-D")
	start("slurmd", "-D")
	// First of the cleanups: end every job while the daemons still run, so no job step
	// (slurmstepd) is left behind waiting to report to a controller that is gone.
	t.Cleanup(func() {
		env := append(os.Environ(), "SLURM_CONF="+conf)
		cancel := exec.Command("scancel", "--full", "--user=root")
		cancel.Env = env
		cancel.Run()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			q := exec.Command("squeue", "-h")
			q.Env = env
			if out, err := q.Output(); err != nil || strings.TrimSpace(string(out)) == "" {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	waitFor(t, 60*time.Second, "the node to be idle", func() bool {
		probe := exec.Command("sinfo", "-h", "-o", "%t")
		probe.Env = append(os.Environ(), "SLURM_CONF="+conf)
		out, _ := probe.CombinedOutput()
		return strings.TrimSpace(string(out)) == "idle"
	})
	return &slurmCluster{dir: dir, conf: conf}
}

func numCPU() int {
	out, err := exec.Command("nproc").Output()
	n := 1
	if err == nil {
		fmt.Sscan(string(out), &n)
	}
	return n
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// jobStates waits until every task of job id has ended and returns their states.
func (c *slurmCluster) jobStates(t *testing.T, e *testenv.Env, id string) []string {
	t.Helper()
	var states []string
	waitFor(t, 3*time.Minute, "job "+id+" to end", func() bool {
		r := e.Run("", "scontrol", "show", "job", "-o", id)
		states = regexp.MustCompile(`JobState=(\S+)`).FindAllString(r.Stdout, -1)
		if r.Code != 0 || len(states) == 0 {
			return false
		}
		for _, s := range states {
			switch strings.TrimPrefix(s, "JobState=") {
			case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED":
				return false
			}
		}
		return true
	})
	for i := range states {
		states[i] = strings.TrimPrefix(states[i], "JobState=")
	}
	return states
}

func sha(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

// checkPy is what a researcher's script does with its tokens: reads CAVE_TOKEN, the CAVE
// secret file CloudVolume reads and CURVENOTE_TOKEN, and compares them (by hash: the expected
// tokens are not written into the job) with what was stored. It prints the JWT's hash, so
// the test can see every task got the same renewed token.
const checkPy = `
import hashlib, json, os, sys
h = lambda s: hashlib.sha256((s or "").encode()).hexdigest()
cave_want, curvenote_want = sys.argv[1], sys.argv[2]
secret = os.path.join(os.environ["CLOUD_VOLUME_DIR"], "secrets", "global.daf-apis.com-cave-secret.json")
problems = []
if h(os.environ.get("CAVE_TOKEN")) != cave_want: problems.append("CAVE_TOKEN")
if h(json.load(open(secret))["token"]) != cave_want: problems.append("the CAVE secret file")
if h(os.environ.get("CURVENOTE_TOKEN")) != curvenote_want: problems.append("CURVENOTE_TOKEN")
if "TOK_FILE_PASSPHRASE" in os.environ: problems.append("the vault passphrase reached the job")
if problems:
    print("check failed: " + ", ".join(problems)); sys.exit(1)
print("check ok task=%s jwt=%s" % (os.environ.get("SLURM_ARRAY_TASK_ID", "-"), h(os.environ.get("SKILLS_TOKEN"))))
`

// TestSlurmBatchJobs: tok sbatch with a real one-node SLURM and the vault locked. A job runs
// tok exec -- python3 check.py and git ls-remote through the helper; an array job of 4 tasks
// whose JWT comes due while it is held renews it once for all tasks, into the grant, not the
// vault; a job whose grant expired fails with one line; the key never appears in sbatch's
// argv or scontrol's output; after expiry or revoke nothing readable is left.
func TestSlurmBatchJobs(t *testing.T) {
	requirePython(t)
	testenv.Require(t, testenv.Have("git"), "git")
	e := testenv.NewEnv(t)
	cluster := startSlurm(t, e)
	e.Vars["TOK_VAULT_CACHE"] = "none" // nothing holds the vault open: a compute node's view
	e.Vars["GIT_CONFIG_GLOBAL"] = filepath.Join(e.Dir, "gitconfig")
	e.Vars["GIT_CONFIG_NOSYSTEM"] = "1"
	e.Vars["GIT_TERMINAL_PROMPT"] = "0"
	e.Vars["GIT_ASKPASS"] = "/bin/false"
	// sbatch through a shim that records its arguments.
	shim := filepath.Join(e.Dir, "shim")
	os.MkdirAll(shim, 0o700)
	argvLog := filepath.Join(e.Dir, "sbatch-argv.log")
	sbatch, _ := exec.LookPath("sbatch")
	os.WriteFile(filepath.Join(shim, "sbatch"), []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >> "+argvLog+"\nexec "+sbatch+" \"$@\"\n"), 0o700)
	e.Vars["PATH"] = shim + ":" + e.Vars["PATH"]

	srv := testserver.New()
	t.Cleanup(srv.Close)
	git := newGitServer(t, func(string) string { return "git-token-for-the-job" })
	git.addRepo(t, e, "repo.git")
	cave, curvenote := testserver.GoodCAVE, curvenoteUserToken(t, "ada@example.org")
	pass := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"})
	for target, secret := range map[string]string{"global.daf-apis.com": cave, "curvenote": curvenote, git.URL: "git-token-for-the-job"} {
		if r := pass.Run(secret, "tok", "set", target); r.Code != 0 {
			t.Fatalf("tok set %s: %s", target, r.Stderr)
		}
	}
	// A JWT with 75 s left: not due when the job is submitted, due (under a minute left) by
	// the time the held job is released.
	srv.SetAccessTTL(75 * time.Second)
	if r := pass.Run("secret-password\n", "tok", "login", srv.URL, "--username", "ada", "--password-stdin", "--env", "SKILLS_TOKEN"); r.Code != 0 {
		t.Fatalf("tok login: %s", r.Stderr)
	}
	loggedIn := time.Now()
	srv.SetAccessTTL(time.Hour)
	if r := pass.Run("", "tok", "install", "git"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	e.Run("", "tok", "lock")
	vaultDir := filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault")

	check := filepath.Join(e.Dir, "check.py")
	os.WriteFile(check, []byte(checkPy), 0o600)
	job := filepath.Join(e.Dir, "job.sh")
	os.WriteFile(job, []byte(fmt.Sprintf("#!/bin/sh\nset -e\ntok exec -- %s %s %s %s\ngit ls-remote %s/repo.git\n"+
		"srun -n1 tok exec --only cave -- sh -c 'printf %%s \"$CAVE_TOKEN\" | sha256sum | grep -q %s && echo srun step ok'\n",
		debianPython, check, sha(cave), sha(curvenote), git.URL, sha(cave))), 0o700)
	expiredJob := filepath.Join(e.Dir, "expired.sh")
	os.WriteFile(expiredJob, []byte("#!/bin/sh\n#SBATCH --time=5\ntok exec -- true\n"), 0o700)
	out := func(name string) string { return filepath.Join(e.Dir, name) }
	grantOf := regexp.MustCompile(`grant ([0-9a-f]{16}) for this job`)
	submit := func(args ...string) (id, grant string) {
		t.Helper()
		r := pass.Run("", "tok", append([]string{"sbatch"}, args...)...)
		m := grantOf.FindStringSubmatch(r.Stderr)
		if r.Code != 0 || m == nil {
			t.Fatalf("tok sbatch %v: exit %d %q %s", args, r.Code, r.Stdout, r.Stderr)
		}
		id, _, _ = strings.Cut(strings.TrimSpace(r.Stdout), ";")
		return id, m[1]
	}
	only := []string{"--only", "cave", "--only", "curvenote", "--only", git.URL}

	// 1. The plain job, and the held array job, and the job whose grant will have expired.
	// The plain job passes only the variables it names (--export without ALL): tok adds TOK_GRANT.
	exportList := "--export=PATH,HOME,XDG_DATA_HOME,XDG_STATE_HOME,XDG_CONFIG_HOME,XDG_RUNTIME_DIR,GIT_CONFIG_GLOBAL,GIT_CONFIG_NOSYSTEM,GIT_TERMINAL_PROMPT,TOK_VAULT_CACHE"
	plainID, plainGrant := submit(append(only, "--time=5", exportList, "--parsable", "-o", out("plain-%j.out"), job)...)
	arrayID, arrayGrant := submit(append(only, "--only", srv.URL, "--hold", "--array=1-4", "--time=5", "--parsable", "-o", out("array-%A-%a.out"), job)...)
	expiredID, _ := submit("--only", "cave", "--max-ttl", "2s", "--hold", "--parsable", "-o", out("expired-%j.out"), expiredJob)
	// Making the grants recorded their records' use in the vault (last used); from here on
	// nothing the jobs do may write to it.
	vaultBefore := snapshot(t, vaultDir)

	// The key is in no argument sbatch was given, and not in what scontrol shows of the job,
	// to its owner or to another user.
	if argv, _ := os.ReadFile(argvLog); strings.Contains(string(argv), "AGE-SECRET-KEY") || !strings.Contains(string(argv), exportList+",TOK_GRANT\n") {
		t.Fatalf("sbatch's arguments: %s", argv)
	}
	for _, who := range [][]string{{}, {"runuser", "-u", "nobody", "--"}} {
		args := append(append([]string{}, who...), "scontrol", "show", "job", "-dd", arrayID)
		r := e.Run("", args[0], args[1:]...)
		if r.Code != 0 || strings.Contains(r.Stdout, "AGE-SECRET-KEY") || strings.Contains(r.Stdout, "TOK_GRANT") || !strings.Contains(r.Stdout, "JobId=") {
			t.Fatalf("scontrol show job -dd as %v: exit %d %s %s", who, r.Code, r.Stdout, r.Stderr)
		}
	}

	// A submission sbatch refuses leaves no grant behind.
	before := sealedGrants(e)
	if r := pass.Run("", "tok", "sbatch", "--only", "cave", "--time=5", "--partition=nosuchpartition", job); r.Code == 0 || !strings.Contains(r.Stderr, "revoked grant") {
		t.Fatalf("a refused submission: exit %d %s", r.Code, r.Stderr)
	}
	if after := sealedGrants(e); len(after) > len(before) {
		t.Fatalf("a refused submission left a grant: %v, before %v", after, before)
	}

	// 2. The plain job: the right tokens, and git through the helper.
	if states := cluster.jobStates(t, e, plainID); states[0] != "COMPLETED" {
		t.Fatalf("the plain job: %v\n%s", states, readAll(out("plain-"+plainID+".out")))
	}
	if o := readAll(out("plain-" + plainID + ".out")); !strings.Contains(o, "check ok") || !strings.Contains(o, "refs/heads/main") || !strings.Contains(o, "srun step ok") || strings.Contains(o, "git-credential-tok:") {
		t.Fatalf("the plain job's output: %s", o)
	}

	// 3. The array job, released once its JWT is due: four tasks, one refresh among them.
	time.Sleep(time.Until(loggedIn.Add(16 * time.Second)))
	time.Sleep(2500 * time.Millisecond) // and the expired job's grant (2 s) is past
	for _, id := range []string{arrayID, expiredID} {
		if r := e.Run("", "scontrol", "release", id); r.Code != 0 {
			t.Fatalf("scontrol release %s: %s", id, r.Stderr)
		}
	}
	states := cluster.jobStates(t, e, arrayID)
	var jwts []string
	for i := 1; i <= 4; i++ {
		o := readAll(out(fmt.Sprintf("array-%s-%d.out", arrayID, i)))
		m := regexp.MustCompile(`check ok task=` + fmt.Sprint(i) + ` jwt=([0-9a-f]+)`).FindStringSubmatch(o)
		if m == nil || !strings.Contains(o, "refs/heads/main") || !strings.Contains(o, "srun step ok") {
			t.Fatalf("array task %d (%v): %s", i, states, o)
		}
		jwts = append(jwts, m[1])
	}
	if len(states) != 4 || strings.Join(states, " ") != "COMPLETED COMPLETED COMPLETED COMPLETED" {
		t.Fatalf("the array job's tasks: %v", states)
	}
	if n := srv.Refreshes.Load(); n != 1 || jwts[0] != jwts[1] || jwts[1] != jwts[2] || jwts[2] != jwts[3] || jwts[0] == sha("") {
		t.Fatalf("%d refresh requests from 4 tasks (want 1); their tokens: %v", n, jwts)
	}
	if after := snapshot(t, vaultDir); after != vaultBefore {
		t.Fatal("the job's renewal changed the vault")
	}

	// 4. The job whose grant expired: it fails, with one clear line, and the grant is gone.
	if states := cluster.jobStates(t, e, expiredID); states[0] != "FAILED" {
		t.Fatalf("the job with an expired grant: %v", states)
	}
	o := strings.TrimSpace(readAll(out("expired-" + expiredID + ".out")))
	if strings.Count(o, "\n") != 0 || !strings.Contains(o, "expired at") || !strings.HasPrefix(o, "tok: ") {
		t.Fatalf("the job with an expired grant said: %q", o)
	}

	// 5. Revoked (the two live grants) and expired (the third): nothing readable is left.
	for _, g := range []string{plainGrant, arrayGrant} {
		if r := e.Run("", "tok", "grant", "revoke", g); r.Code != 0 {
			t.Fatalf("revoke %s: %s", g, r.Stderr)
		}
	}
	if left := grantFiles(e); len(left) != 0 {
		t.Fatalf("grants left: %v", left)
	}
	assertNoPlaintext(t, e.Dir, []string{cave, curvenote, "git-token-for-the-job"})
	assertNoPlaintext(t, cluster.dir, []string{cave, curvenote, "git-token-for-the-job"})
}

// sealedGrants lists the grant files (not locks or tombstones).
func sealedGrants(e *testenv.Env) []string {
	var out []string
	for _, f := range grantFiles(e) {
		if strings.HasSuffix(f, ".age") {
			out = append(out, f)
		}
	}
	return out
}

// snapshot is every file under dir with its contents, as one string.
func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, "%s %x\n", p, sha256.Sum256(data))
		}
		return nil
	})
	return b.String()
}

func readAll(p string) string {
	data, _ := os.ReadFile(p)
	return string(data)
}
