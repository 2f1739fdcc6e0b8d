package slurm

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"5":          5 * time.Minute,
		"90":         90 * time.Minute,
		"10:30":      10*time.Minute + 30*time.Second,
		"2:00:00":    2 * time.Hour,
		"01:00:00":   time.Hour,
		"1-0":        24 * time.Hour,
		"1-12":       36 * time.Hour,
		"2-03:04":    51*time.Hour + 4*time.Minute,
		"1-00:00:30": 24*time.Hour + 30*time.Second,
	} {
		if got, err := ParseTime(in); err != nil || got != want {
			t.Errorf("ParseTime(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"UNLIMITED", "infinite", "0"} {
		if _, err := ParseTime(in); !errors.Is(err, ErrUnlimited) {
			t.Errorf("ParseTime(%q): %v, want unlimited", in, err)
		}
	}
	for _, in := range []string{"", "5m", "1:2:3:4", "-5", "1-2:3:4:5", "a-1", "+5", "1--2"} {
		if _, err := ParseTime(in); err == nil || errors.Is(err, ErrUnlimited) {
			t.Errorf("ParseTime(%q) accepted", in)
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		args              []string
		time, part, exprt string
		script            int
	}{
		{[]string{"--time=5", "job.sh", "-t", "9"}, "5", "", "", 1},
		{[]string{"-t", "10", "-p", "debug", "job.sh"}, "10", "debug", "", 4},
		{[]string{"-Ht7", "--part=gpu", "--export", "NONE", "job.sh"}, "7", "gpu", "NONE", 4},
		{[]string{"--wrap", "hostname", "--time", "3"}, "3", "", "", -1},
		{[]string{"-o", "out-%j", "--parsable", "--", "-weird-name.sh"}, "", "", "", 4},
		{[]string{"--exclusive", "job.sh"}, "", "", "", 1},
		{[]string{"--nice", "job.sh"}, "", "", "", 1},
		{[]string{"-J", "-t", "job.sh"}, "", "", "", 2}, // -t is -J's value here
		{[]string{"--array=1-4", "--export=ALL,X=1", "job.sh"}, "", "", "ALL,X=1", 2},
	}
	for _, c := range cases {
		cmd, err := Parse(c.args)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		tm, _ := cmd.Last("time")
		p, _ := cmd.Last("partition")
		e, _ := cmd.Last("export")
		if tm.Value != c.time || p.Value != c.part || e.Value != c.exprt || cmd.Script != c.script {
			t.Errorf("%v: time %q partition %q export %q script %d", c.args, tm.Value, p.Value, e.Value, cmd.Script)
		}
	}
	if _, err := Parse([]string{"--time"}); err == nil {
		t.Error("--time without a value was accepted")
	}
}

func TestDirectivesAndPrecedence(t *testing.T) {
	script := filepath.Join(t.TempDir(), "job.sh")
	os.WriteFile(script, []byte("#!/bin/sh\n#SBATCH --time=30 # half an hour\n#SBATCH -p long\n\n#SBATCH --export=NONE\necho hi\n#SBATCH --time=99\n"), 0o600)
	dir, err := Directives(script)
	if err != nil {
		t.Fatal(err)
	}
	cmd, _ := Parse([]string{"job.sh"})
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if s := Effective(cmd, dir, "time", "SBATCH_TIMELIMIT", get); s.Value != "30" || s.From != "the script" {
		t.Fatalf("time from the script: %+v", s)
	}
	env["SBATCH_TIMELIMIT"] = "45"
	if s := Effective(cmd, dir, "time", "SBATCH_TIMELIMIT", get); s.Value != "45" {
		t.Fatalf("the environment over the script: %+v", s)
	}
	cmd, _ = Parse([]string{"-t", "5", "job.sh"})
	if s := Effective(cmd, dir, "time", "SBATCH_TIMELIMIT", get); s.Value != "5" || s.From != "command line" {
		t.Fatalf("the command line over both: %+v", s)
	}
	if s := Effective(cmd, dir, "export", "SBATCH_EXPORT", get); s.Value != "NONE" {
		t.Fatalf("export from the script: %+v", s)
	}
}

func TestPartitionLimit(t *testing.T) {
	out := "PartitionName=debug Default=YES DefaultTime=NONE MaxTime=01:00:00 State=UP\n" +
		"PartitionName=long Default=NO DefaultTime=2:00:00 MaxTime=7-00:00:00 State=UP\n" +
		"PartitionName=free Default=NO DefaultTime=NONE MaxTime=UNLIMITED State=UP\n"
	for parts, want := range map[string]time.Duration{"": time.Hour, "debug": time.Hour, "long": 2 * time.Hour, "debug,long": 2 * time.Hour} {
		if got, err := partitionLimit(out, parts); err != nil || got != want {
			t.Errorf("%q: %s %v, want %s", parts, got, err, want)
		}
	}
	if _, err := partitionLimit(out, "free"); !errors.Is(err, ErrUnlimited) {
		t.Errorf("an unlimited partition: %v", err)
	}
	if _, err := partitionLimit(out, "nope"); err == nil {
		t.Error("a missing partition was accepted")
	}
}

func TestWithVar(t *testing.T) {
	for in, want := range map[string]string{
		"ALL":           "ALL",
		"ALL,EDITOR=vi": "ALL,EDITOR=vi",
		"NONE":          "TOK_GRANT",
		"EDITOR":        "EDITOR,TOK_GRANT",
		"EDITOR,A=1":    "EDITOR,A=1,TOK_GRANT",
		"TOK_GRANT,B":   "TOK_GRANT,B",
	} {
		if got, _ := WithVar(in, "TOK_GRANT"); got != want {
			t.Errorf("WithVar(%q) = %q, want %q", in, got, want)
		}
	}
}
