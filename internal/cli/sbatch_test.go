package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/slurm"
)

func TestTakeSbatchFlags(t *testing.T) {
	f, rest, err := takeSbatchFlags([]string{"--only", "cave", "-t", "5", "--only=curvenote", "--margin", "2h", "--max-ttl=3h", "job.sh", "--only", "arg"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.only, []string{"cave", "curvenote"}) || f.margin.String() != "2h0m0s" || f.maxTTL.String() != "3h0m0s" {
		t.Fatalf("flags %+v", f)
	}
	// The script's own arguments are its own, even when they look like tok's flags.
	if want := []string{"-t", "5", "job.sh", "--only", "arg"}; !reflect.DeepEqual(rest, want) {
		t.Fatalf("passed to sbatch: %q, want %q", rest, want)
	}
	if _, _, err := takeSbatchFlags([]string{"--margin", "soon", "job.sh"}); err == nil {
		t.Fatal("a bad --margin was accepted")
	}
}

func TestExportGrant(t *testing.T) {
	script := filepath.Join(t.TempDir(), "job.sh")
	os.WriteFile(script, []byte("#!/bin/sh\n#SBATCH --export=HOME\ntrue\n"), 0o600)
	plain := filepath.Join(t.TempDir(), "plain.sh")
	os.WriteFile(plain, []byte("#!/bin/sh\ntrue\n"), 0o600)
	cases := []struct {
		name     string
		args     []string
		script   string
		env      map[string]string
		wantArgs string
		wantEnv  string
	}{
		{"no --export: ALL passes it", []string{"-t", "5", "S"}, plain, nil, "-t 5 S", ""},
		{"ALL with more", []string{"--export=ALL,A=1", "S"}, plain, nil, "--export=ALL,A=1 S", ""},
		{"a list on the command line", []string{"-t", "5", "--export", "PATH,HOME", "S"}, plain, nil, "-t 5 --export=PATH,HOME,TOK_GRANT S", ""},
		{"NONE on the command line", []string{"--export=NONE", "S"}, plain, nil, "--export=TOK_GRANT S", ""},
		{"SBATCH_EXPORT", []string{"S"}, plain, map[string]string{"SBATCH_EXPORT": "NONE"}, "S", "SBATCH_EXPORT=TOK_GRANT"},
		{"the command line over SBATCH_EXPORT", []string{"--export=ALL", "S"}, plain, map[string]string{"SBATCH_EXPORT": "NONE"}, "--export=ALL S", ""},
		{"#SBATCH --export", []string{"S"}, script, nil, "--export=HOME,TOK_GRANT S", ""},
	}
	for _, c := range cases {
		args := append([]string{}, c.args...)
		args[len(args)-1] = c.script
		cmd, _ := slurm.Parse(args)
		dir, _ := slurm.Directives(c.script)
		got, env, _ := exportGrant(args, cmd, dir, func(k string) string { return c.env[k] })
		if strings.Join(got, " ") != strings.ReplaceAll(c.wantArgs, "S", c.script) || strings.Join(env, " ") != c.wantEnv {
			t.Errorf("%s: args %q env %q", c.name, got, env)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[string]string{"1h0m0s": "1h", "5m0s": "5m", "10m0s": "10m", "1h10m0s": "1h10m", "2s": "2s", "72h0m0s": "72h"} {
		dd, _ := time.ParseDuration(d)
		if got := shortDuration(dd); got != want {
			t.Errorf("%s: %s, want %s", d, got, want)
		}
	}
}
