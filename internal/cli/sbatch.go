package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/busguard"
	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/internal/slurm"
	"github.com/tok-dev/tok/keychain"
)

// DefaultGrantMargin is added to a job's time limit: the time it may wait in the queue, and
// clock skew between the login node and the compute nodes.
const DefaultGrantMargin = time.Hour

func sbatchCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:            "sbatch",
		Usage:           "submit a SLURM batch job with a grant of your tokens (TOK_GRANT), never your passphrase",
		ArgsUsage:       "[--only TARGET|PLATFORM]... [--margin D] [--max-ttl D] [sbatch options] SCRIPT [ARGS...]",
		SkipFlagParsing: true,
		Description: `Makes a grant of the tokens tok exec would inject (narrowed by --only) and runs the real sbatch
with the grant's key in its environment as TOK_GRANT, never in its arguments. Inside the job (every
array task and srun step), tok exec, tok env, tok get and the git and docker helpers read the grant:
no vault, no passphrase, nothing in plaintext on disk.

The grant lives for the job's time limit (--time, SBATCH_TIMELIMIT or #SBATCH --time; else the
partition's DefaultTime or MaxTime) plus --margin (1h: time in the queue), never longer than
--max-ttl or grant_max_ttl in the config file (72h). A job that must wait in the queue longer than
the margin needs a larger one.

--export is respected: ALL (sbatch's default) passes TOK_GRANT already; a list of names gets
TOK_GRANT added; NONE becomes --export=TOK_GRANT (only SLURM_* variables and the key). tok's own
flags come first and are not passed to sbatch. TOK_FILE_PASSPHRASE is never passed to the job.

Examples:
   tok sbatch --time=2:00:00 job.sh
   tok sbatch --only cave --only curvenote --array=1-100 -p long job.sh input.csv
   tok sbatch --margin 6h --time=1-0 job.sh`,
		Action: func(c *ucli.Context) error {
			if a := c.Args().First(); a == "-h" || a == "--help" {
				return ucli.ShowCommandHelp(c.Lineage()[1], "sbatch")
			}
			return runSbatch(c.Context, stdio, c.Args().Slice())
		},
	}
}

// sbatchFlags are tok's own flags in front of sbatch's.
type sbatchFlags struct {
	only   []string
	margin time.Duration
	maxTTL time.Duration
}

// takeSbatchFlags removes tok's own flags (--only, --margin, --max-ttl) from the options that
// come before the script; sbatch has none of these names.
func takeSbatchFlags(args []string) (sbatchFlags, []string, error) {
	f := sbatchFlags{margin: DefaultGrantMargin}
	cmd, err := slurm.ParseWith(args, map[string]bool{"only": true, "margin": true, "max-ttl": true})
	if err != nil {
		return f, nil, usageError("%v", err)
	}
	drop := map[int]bool{}
	for _, o := range cmd.Options {
		switch o.Name {
		case "only", "margin", "max-ttl":
		default:
			continue
		}
		for i := o.First; i <= o.Last; i++ {
			drop[i] = true
		}
		if o.Name == "only" {
			f.only = append(f.only, o.Value)
			continue
		}
		d, err := time.ParseDuration(o.Value)
		if err != nil || d <= 0 {
			return f, nil, usageError("--%s %q: give a duration, as 30m or 2h", o.Name, o.Value)
		}
		if o.Name == "margin" {
			f.margin = d
		} else {
			f.maxTTL = d
		}
	}
	var rest []string
	for i, a := range args {
		if !drop[i] {
			rest = append(rest, a)
		}
	}
	return f, rest, nil
}

func runSbatch(ctx context.Context, stdio IO, args []string) error {
	if len(args) == 0 {
		return usageError("usage: tok sbatch [--only TARGET|PLATFORM]... [--margin D] [--max-ttl D] [sbatch options] SCRIPT [ARGS...]")
	}
	flags, args, err := takeSbatchFlags(args)
	if err != nil {
		return err
	}
	cmd, err := slurm.Parse(args)
	if err != nil {
		return usageError("%v", err)
	}
	var script slurm.Command
	if cmd.Script >= 0 {
		if script, err = slurm.Directives(args[cmd.Script]); err != nil {
			return fmt.Errorf("reading the batch script's #SBATCH lines: %w", err)
		}
	} else if !cmd.Has("wrap") {
		return usageError("tok sbatch needs the batch script as a file (or --wrap): tok reads its #SBATCH lines for the time limit")
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		return errors.New("sbatch is not on PATH: run tok sbatch on a SLURM login node (elsewhere, use tok grant create)")
	}

	// How long the job may run.
	limit, limitFrom, err := jobLimit(ctx, cmd, script)
	if err != nil {
		return err
	}
	env, store, err := stdio.openStore()
	if err != nil {
		return err
	}
	records, err := handOutRecords(ctx, stdio, env, store, flags.only)
	if err != nil {
		return err
	}
	maxTTL, err := env.GrantMaxTTL()
	if err != nil {
		return err
	}
	if flags.maxTTL > 0 && flags.maxTTL < maxTTL {
		maxTTL = flags.maxTTL
	}
	ttl := maxTTL
	if limit > 0 && limit+flags.margin < maxTTL {
		ttl = limit + flags.margin
	}
	if limit == 0 || limit+flags.margin > maxTTL {
		fmt.Fprintf(stdio.Stderr, "tok: warning: the job may run %s; its grant ends after %s (the longest allowed: --max-ttl, or grant_max_ttl in %s)\n",
			limitText(limit, limitFrom), shortDuration(maxTTL), env.Paths.ConfigFile)
	}
	now := store.Now()
	key, info, err := makeGrant(env, store, records, now.Add(ttl))
	if err != nil {
		return err
	}
	revoke := func() {
		if err := keychain.RevokeGrant(env.Paths.GrantDir(), info.ID); err == nil {
			fmt.Fprintf(stdio.Stderr, "tok: revoked grant %s\n", info.ID)
		}
	}

	// Where the key travels: sbatch's environment, and the job's through --export.
	args, extraEnv, note := exportGrant(args, cmd, script, os.Getenv)
	environ := append(jobEnviron(key), extraEnv...)
	if note != "" {
		fmt.Fprintln(stdio.Stderr, "tok: "+note)
	}
	fmt.Fprintf(stdio.Stderr, "tok: grant %s for this job holds %s until %s (%s + %s margin); end it early with: tok grant revoke %s\n",
		info.ID, strings.Join(info.Targets, ", "), info.Expires.Local().Format(time.RFC3339), limitText(limit, limitFrom), shortDuration(flags.margin), info.ID)

	sb := exec.CommandContext(ctx, "sbatch", args...)
	sb.Env = environ
	sb.Stdin, sb.Stdout, sb.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
	runErr := sb.Run()
	code := 0
	if runErr != nil {
		var exit *exec.ExitError
		if !errors.As(runErr, &exit) {
			revoke()
			return fmt.Errorf("running sbatch: %w", runErr)
		}
		code = exit.ExitCode()
	}
	// Nothing was submitted, or the job has ended (--wait): the grant has no more use.
	if code != 0 || cmd.Has("wait") || cmd.Has("test-only") {
		revoke()
	}
	if code != 0 {
		return silentExit(code)
	}
	return nil
}

// exportGrant makes sbatch pass TOK_GRANT to the job whatever --export says: the command
// line's --export is rewritten in place, SBATCH_EXPORT is replaced in sbatch's environment,
// and the script's #SBATCH --export is overridden by a new --export in front. It returns the
// arguments, variables to add to sbatch's environment, and a note for the user (or "").
func exportGrant(args []string, cmd, script slurm.Command, getenv func(string) string) ([]string, []string, string) {
	export := slurm.Effective(cmd, script, "export", "SBATCH_EXPORT", getenv)
	v, changed := slurm.WithVar(export.Value, setup.EnvGrant)
	if !changed {
		return args, nil, ""
	}
	var env []string
	switch export.From {
	case "command line":
		o, _ := cmd.Last("export")
		args = append(append(append([]string{}, args[:o.First]...), "--export="+v), args[o.Last+1:]...)
	case "SBATCH_EXPORT":
		env = append(env, "SBATCH_EXPORT="+v)
	default: // the script's #SBATCH --export: the command line overrides it
		args = append([]string{"--export=" + v}, args...)
	}
	return args, env, fmt.Sprintf("--export=%s (from %s) becomes --export=%s, so the job gets TOK_GRANT", export.Value, export.From, v)
}

// jobLimit is the job's time limit and where it came from; 0 when it has none.
func jobLimit(ctx context.Context, cmd, script slurm.Command) (time.Duration, string, error) {
	t := slurm.Effective(cmd, script, "time", "SBATCH_TIMELIMIT", os.Getenv)
	if t.From != "" {
		d, err := slurm.ParseTime(t.Value)
		if errors.Is(err, slurm.ErrUnlimited) {
			return 0, "--time (" + t.From + ")", nil
		}
		if err != nil {
			return 0, "", usageError("--time from %s: %v", t.From, err)
		}
		return d, "--time (" + t.From + ")", nil
	}
	p := slurm.Effective(cmd, script, "partition", "SBATCH_PARTITION", os.Getenv)
	what := "the default partition's time limit"
	if p.Value != "" {
		what = "partition " + p.Value + "'s time limit"
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	d, err := slurm.PartitionLimit(ctx, p.Value)
	if errors.Is(err, slurm.ErrUnlimited) {
		return 0, what, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("the job has no --time, and %s is unknown (%v); give --time", what, err)
	}
	return d, what, nil
}

func limitText(limit time.Duration, from string) string {
	if limit == 0 {
		return "with no time limit (" + from + ")"
	}
	return shortDuration(limit) + " (" + from + ")"
}

// shortDuration writes 1h and 5m, not 1h0m0s and 5m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// jobEnviron is sbatch's environment: tok's own, TOK_GRANT set to the key, and no
// TOK_FILE_PASSPHRASE (sbatch would export it into the job and the controller's state).
func jobEnviron(key string) []string {
	var out []string
	for _, kv := range busguard.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == setup.EnvGrant || name == setup.EnvPassphrase {
			continue
		}
		out = append(out, kv)
	}
	return append(out, setup.EnvGrant+"="+key)
}
