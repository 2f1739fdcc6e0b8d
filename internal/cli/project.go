package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/inject"
	"github.com/tok-dev/tok/internal/mask"
	"github.com/tok-dev/tok/internal/project"
	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
)

func envFileFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "env-file", Usage: "the project's NAME=VALUE file with tok:// references (default: tok.env, looked for from here up to the repository root)"}
}

func maskFlag() ucli.Flag {
	return &ucli.BoolFlag{Name: "mask", Usage: "replace every injected secret in the program's output with <tok:NAME> (default when CI is set)"}
}

// projectRun is what a project file gives a program: its variables, resolved.
type projectRun struct {
	Path string
	Vars []project.Var
}

// projectPath is the project file a command uses: --env-file, else tok.env found from the
// working directory up (not when --only names what to inject); "" for none.
func projectPath(c *ucli.Context) (string, error) {
	if path := c.String("env-file"); path != "" {
		if len(c.StringSlice("only")) > 0 {
			return "", usageError("--env-file and --only both say what to inject: give one")
		}
		return path, nil
	}
	if len(c.StringSlice("only")) > 0 {
		return "", nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", nil
	}
	return project.Find(wd, os.Getenv("HOME"))
}

// selectionOrProject is handOutSelection, or, when a project file applies, the project's
// variables resolved (records is then nil). Every reference that does not resolve is said on
// stderr with the command that would fix it, and nothing runs: exit 1.
func selectionOrProject(c *ucli.Context, stdio IO, session bool) (*setup.Env, *keychain.Store, []inject.Pick, *projectRun, error) {
	path, err := projectPath(c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if path == "" {
		env, store, picks, err := handOutSelection(c, stdio, session)
		return env, store, picks, nil, err
	}
	if c.Bool("netrc") || c.Bool("cave-home") {
		return nil, nil, nil, nil, usageError("--netrc and --cave-home work with --only, not with a project file (%s): give the program its token in a variable", path)
	}
	file, err := project.Load(path)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	env, store, err := stdio.openStore()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	vars, err := resolveProject(c, stdio, env, store, file, session)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	fmt.Fprintf(stdio.Stderr, "tok: using %s (%d variables)\n", path, len(vars))
	return env, store, nil, &projectRun{Path: path, Vars: vars}, nil
}

// resolveProject resolves file's references: findRecord picks the record, HandOutRecord
// renews it when due (see freshRecords). A token expired beyond renewal is missing here.
func resolveProject(c *ucli.Context, stdio IO, env *setup.Env, store *keychain.Store, file *project.File, session bool) ([]project.Var, error) {
	b := renewer(env, store)
	resolve := func(target, username string) (keychain.Record, error) {
		rec, err := findRecord(stdio, env, store, target, username, "tok exec")
		if err != nil {
			return rec, err
		}
		fresh, err := freshRecords(c.Context, stdio, b, []inject.Pick{{Record: rec}}, session)
		if err != nil {
			return rec, err
		}
		return fresh[0].Record, nil
	}
	vars, missing := file.Resolve(resolve, store.Now())
	for _, m := range missing {
		where := fmt.Sprintf("%s:%d", file.Path, m.Line)
		if file.Path == project.Environ {
			where = file.Path
		}
		fmt.Fprintf(stdio.Stderr, "tok: %s: %s\n", where, missingText(env, store, m))
	}
	if len(missing) > 0 {
		fmt.Fprintf(stdio.Stderr, "tok: %d reference(s) in %s did not resolve; nothing was run\n", len(missing), file.Path)
		return nil, silentExit(1)
	}
	return vars, nil
}

// resolveEnvironment resolves the tok:// references the program's environment would still
// hold (inherited from tok's own: CAVE_TOKEN=tok://cave tok exec -- ...) in place, or stops
// tok: a literal reference never reaches a program.
func resolveEnvironment(c *ucli.Context, stdio IO, env *setup.Env, store *keychain.Store, plan *inject.Plan, session bool) ([]project.Var, error) {
	file, err := project.FromEnviron(plan.Env)
	if err != nil {
		return nil, usageError("%v", err)
	}
	if len(file.Entries) == 0 {
		return nil, nil
	}
	vars, err := resolveProject(c, stdio, env, store, file, session)
	if err != nil {
		return nil, err
	}
	value := map[string]string{}
	for _, v := range vars {
		value[v.Name] = v.Value
	}
	for i, kv := range plan.Env {
		if name, _, _ := strings.Cut(kv, "="); value[name] != "" {
			plan.Env[i] = name + "=" + value[name]
		}
	}
	return vars, nil
}

// missingText says why a reference did not resolve and what would fix it, as
// "NAME=tok://...: why; run: tok set ...".
func missingText(env *setup.Env, store *keychain.Store, m project.Missing) string {
	why := m.Err.Error()
	if errors.Is(m.Err, keychain.ErrNotFound) {
		why = "no token is stored"
	} else if i := strings.Index(why, "; add one with"); i > 0 {
		why = why[:i]
	}
	return fmt.Sprintf("%s=%s: %s; run: %s", m.Name, m.Value, why, fixCommand(env, store, *m.Ref))
}

// checkProject reports, for tok doctor and tok status, which of the project file's references
// resolve, which are missing and which expire within a day, without renewing anything or
// printing a secret. It returns how many are missing.
func checkProject(env *setup.Env, store *keychain.Store, path string, ok, bad, note func(string, ...any)) int {
	file, err := project.Load(path)
	if err != nil {
		bad("%v", err)
		return 1
	}
	now := store.Now()
	renewable := map[string]bool{}
	resolve := func(target, username string) (keychain.Record, error) {
		rec, err := findRecord(IO{Stderr: io.Discard}, env, store, target, username, "tok doctor")
		if err == nil && rec.Expired(now) && rec.RefreshToken != "" {
			renewable[rec.Target] = true
			rec.Expires = time.Time{} // tok renews it when it is used
		}
		return rec, err
	}
	vars, missing := file.Resolve(resolve, now)
	type verdict struct {
		say  func(string, ...any)
		text string
	}
	byLine := map[int]verdict{}
	for _, v := range vars {
		switch {
		case v.Ref == nil:
			byLine[v.Line] = verdict{ok, v.Name + ": a plain value"}
		case renewable[v.Record.Target]:
			byLine[v.Line] = verdict{ok, fmt.Sprintf("%s=%s: %s has expired; tok renews it when used", v.Name, v.Entry.Value, v.Record.Target)}
		case !v.Record.Expires.IsZero() && v.Record.RefreshToken == "" && v.Record.Expires.Sub(now) < expiringSoon:
			byLine[v.Line] = verdict{note, fmt.Sprintf("%s=%s: %s %s; renew it with: %s", v.Name, v.Entry.Value, v.Record.Target, expiryText(v.Record.Expires, now), fixCommand(env, store, *v.Ref))}
		default:
			byLine[v.Line] = verdict{ok, fmt.Sprintf("%s=%s: %s", v.Name, v.Entry.Value, v.Record.Target)}
		}
	}
	for _, m := range missing {
		byLine[m.Line] = verdict{bad, missingText(env, store, m)}
	}
	for _, e := range file.Entries {
		byLine[e.Line].say("%s", byLine[e.Line].text)
	}
	return len(missing)
}

// fixCommand is the command that would store what ref names: tok login for a platform whose
// tokens come from a sign-in (a stored record with a refresh token, or the jwt platform), else
// tok set.
func fixCommand(env *setup.Env, store *keychain.Store, ref project.Ref) string {
	user := ""
	if ref.Username != "" {
		user = " --username " + shellWord(ref.Username)
	}
	login := false
	if p, ok := env.Registry.Named(ref.Target); ok && p.Name == "jwt" {
		login = true
	} else if rec, err := findRecord(IO{Stderr: io.Discard}, env, store, ref.Target, ref.Username, "tok get"); err == nil && rec.RefreshToken != "" {
		login = true
	}
	if login && strings.Contains(ref.Target, "://") {
		if user == "" {
			user = " --username USER"
		}
		return "tok login " + shellWord(ref.Target) + user
	}
	return "tok set " + shellWord(ref.Target) + user
}

func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@%+=,") == "" {
		return s
	}
	return shQuote(s)
}

// applyProject puts the project's variables into plan: exactly those names, over the base
// environment (kept instead with --preserve-env, as for records).
func applyProject(plan *inject.Plan, p *projectRun, preserve bool) {
	if p == nil {
		return
	}
	index := map[string]int{}
	for i, kv := range plan.Env {
		k, _, _ := strings.Cut(kv, "=")
		index[k] = i
	}
	for _, v := range p.Vars {
		if i, ok := index[v.Name]; ok {
			if old := strings.TrimPrefix(plan.Env[i], v.Name+"="); old != v.Value {
				if preserve {
					plan.Notes = append(plan.Notes, fmt.Sprintf("kept %s from the environment (--preserve-env); not the project's", v.Name))
					continue
				}
				plan.Notes = append(plan.Notes, fmt.Sprintf("replaced %s from the environment with the project's", v.Name))
			}
			plan.Env[i] = v.Name + "=" + v.Value
		} else {
			index[v.Name] = len(plan.Env)
			plan.Env = append(plan.Env, v.Name+"="+v.Value)
		}
		if _, ok := plan.Vars[v.Name]; !ok {
			plan.Order = append(plan.Order, v.Name)
		}
		plan.Vars[v.Name] = v.Value
	}
}

// maskSecrets is what --mask hides: each injected token, named by its variable.
func maskSecrets(picks []inject.Pick, p *projectRun, fromEnv []project.Var) []mask.Secret {
	var out []mask.Secret
	for _, v := range fromEnv {
		if v.Secret {
			out = append(out, mask.Secret{Name: v.Name, Value: v.Value})
		}
	}
	if p != nil {
		for _, v := range p.Vars {
			if v.Secret {
				out = append(out, mask.Secret{Name: v.Name, Value: v.Value})
			}
		}
		return out
	}
	for _, pick := range picks {
		name := pick.Record.Target
		if len(pick.Vars) > 0 {
			name = pick.Vars[0]
		}
		out = append(out, mask.Secret{Name: name, Value: pick.Record.Secret})
	}
	return out
}

// masking says whether tok exec masks: --mask or --mask=false when given, else on when CI is
// set (CI=false and CI=0 count as unset).
func masking(c *ucli.Context) bool {
	if c.IsSet("mask") {
		return c.Bool("mask")
	}
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// runMasked says each secret to GitHub Actions' runner (::add-mask::, on stdout before the
// program starts, where the runner reads workflow commands) and runs the program with its
// output masked.
func runMasked(stdio IO, plan *inject.Plan, argv []string, secrets []mask.Secret) int {
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		for _, s := range secrets {
			if strings.ContainsAny(s.Value, "\r\n") {
				fmt.Fprintf(stdio.Stderr, "tok: warning: %s holds a line break; GitHub Actions cannot mask it\n", s.Name)
				continue
			}
			fmt.Fprintf(stdio.Stdout, "::add-mask::%s\n", s.Value)
		}
	}
	return inject.RunMasked(plan, argv, secrets, stdio.Stdout, stdio.Stderr)
}

// projectFileQuiet is the project file tok doctor and tok status report on: --env-file, else
// the tok.env found from here up; "" when there is none or it cannot be looked for.
func projectFileQuiet(c *ucli.Context) string {
	if path := c.String("env-file"); path != "" {
		return path
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	path, _ := project.Find(wd, os.Getenv("HOME"))
	return path
}

// projectReport prints checkProject's lines under a "Project (FILE)" heading, as tok doctor
// does, and returns how many references are missing.
func projectReport(w io.Writer, env *setup.Env, store *keychain.Store, path string) int {
	fmt.Fprintf(w, "Project (%s)\n", path)
	return checkProject(env, store, path,
		func(format string, a ...any) { fmt.Fprintf(w, "  ok    "+format+"\n", a...) },
		func(format string, a ...any) { fmt.Fprintf(w, "  FAIL  "+format+"\n", a...) },
		func(format string, a ...any) { fmt.Fprintf(w, "  note  "+format+"\n", a...) })
}

// runDoctorProject is tok doctor --project: the project file's references alone, exit 1 when
// one does not resolve or there is no project file.
func runDoctorProject(c *ucli.Context, stdio IO) error {
	w := stdio.Stdout
	path := projectFileQuiet(c)
	if path == "" {
		fmt.Fprintf(stdio.Stderr, "tok: no %s found from here up to the repository root; give one with --env-file FILE\n", project.FileName)
		return silentExit(1)
	}
	env, store, err := stdio.openStore()
	if err != nil {
		return err
	}
	if problems := projectReport(w, env, store, path); problems > 0 {
		fmt.Fprintf(w, "%d reference(s) do not resolve.\n", problems)
		return silentExit(1)
	}
	fmt.Fprintln(w, "Every reference resolves.")
	return nil
}
