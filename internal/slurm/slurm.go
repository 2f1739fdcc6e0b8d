// Package slurm reads what tok sbatch needs to know of a SLURM submission: the job's time
// limit, partition and --export, from sbatch's command line, its SBATCH_* environment
// variables and the script's #SBATCH lines (in sbatch's order of precedence), and a
// partition's limits from scontrol. It runs nothing but scontrol.
package slurm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// sbatch's options (22.05, man sbatch): the long ones that take a value, the ones whose value
// is optional (given only as --opt=value), and the short ones that take a value.
var (
	longWithValue = words(`account acctg-freq array batch bb bbf begin chdir cluster-constraint
		clusters comment constraint container core-spec cores-per-socket cpu-freq cpus-per-gpu
		cpus-per-task deadline delay-boot dependency distribution error exclude export export-file
		extra-node-info gid gpu-bind gpu-freq gpus gpus-per-node gpus-per-socket gpus-per-task gres
		gres-flags hint input job-name kill-on-invalid-dep licenses mail-type mail-user mcs-label
		mem mem-bind mem-per-cpu mem-per-gpu mincpus network nodefile nodelist nodes ntasks
		ntasks-per-core ntasks-per-gpu ntasks-per-node ntasks-per-socket open-mode output
		partition power prefer priority profile qos reservation signal sockets-per-node switches
		thread-spec threads-per-core time time-min tmp uid wait-all-nodes wckey wrap`)
	longOptionalValue = words(`exclusive get-user-env nice no-kill propagate`)
	longNoValue       = words(`contiguous help hold ignore-pbs no-requeue overcommit oversubscribe
		parsable quiet reboot requeue spread-job test-only usage use-min-nodes verbose version wait`)
	shortWithValue = "AabDMCScdmexBGiJLFwNnopqt"
	shortLong      = map[byte]string{'t': "time", 'p': "partition", 'W': "wait", 'H': "hold", 'a': "array"}
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// longName resolves a long option as getopt_long does: the exact name, else the one option
// the given prefix abbreviates. An ambiguous or unknown name is returned as given.
func longName(name string) string {
	all := []map[string]bool{longWithValue, longOptionalValue, longNoValue}
	for _, m := range all {
		if m[name] {
			return name
		}
	}
	match := ""
	for _, m := range all {
		for n := range m {
			if strings.HasPrefix(n, name) {
				if match != "" {
					return name
				}
				match = n
			}
		}
	}
	if match == "" {
		return name
	}
	return match
}

// Option is one option as sbatch reads it: its long name (short ones are mapped to theirs
// where tok cares), its value, and where it sits in the arguments.
type Option struct {
	Name  string
	Value string
	First int // index of the argument that names the option
	Last  int // index of the last argument it uses (First, or First+1 for "--opt value")
}

// Command is an sbatch command line split into options, the script and the script's arguments.
type Command struct {
	Options []Option
	Script  int // index of the script, or -1 (--wrap, or the script comes on stdin)
}

// Parse splits sbatch's arguments (without "sbatch") as sbatch does.
func Parse(args []string) (Command, error) { return ParseWith(args, nil) }

// ParseWith is Parse that also knows the long options named in extra, each taking a value
// (a wrapper's own options, given exactly, among sbatch's).
func ParseWith(args []string, extra map[string]bool) (Command, error) {
	c := Command{Script: -1}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				c.Script = i + 1
			}
			return c, nil
		case a == ":": // the separator of a heterogeneous job's components
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a[2:], "=")
			if !extra[name] {
				name = longName(name)
			}
			o := Option{Name: name, Value: value, First: i, Last: i}
			if !hasValue && (longWithValue[name] || extra[name]) {
				if i+1 >= len(args) {
					return c, fmt.Errorf("sbatch option --%s needs a value", name)
				}
				i++
				o.Value, o.Last = args[i], i
			}
			c.Options = append(c.Options, o)
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				ch := a[j]
				name := string(ch)
				if l, ok := shortLong[ch]; ok {
					name = l
				}
				if strings.IndexByte(shortWithValue, ch) < 0 {
					c.Options = append(c.Options, Option{Name: name, First: i, Last: i})
					continue
				}
				o := Option{Name: name, Value: a[j+1:], First: i, Last: i}
				if o.Value == "" {
					if i+1 >= len(args) {
						return c, fmt.Errorf("sbatch option -%c needs a value", ch)
					}
					i++
					o.Value, o.Last = args[i], i
				}
				c.Options = append(c.Options, o)
				break
			}
		default:
			c.Script = i
			return c, nil
		}
	}
	return c, nil
}

// Last gives the value of the last option named name (the one sbatch obeys).
func (c Command) Last(name string) (Option, bool) {
	for i := len(c.Options) - 1; i >= 0; i-- {
		if c.Options[i].Name == name {
			return c.Options[i], true
		}
	}
	return Option{}, false
}

// Has reports whether an option is given.
func (c Command) Has(name string) bool { _, ok := c.Last(name); return ok }

// Directives reads a batch script's #SBATCH lines (up to its first command, as sbatch does)
// as a Command.
func Directives(path string) (Command, error) {
	f, err := os.Open(path)
	if err != nil {
		return Command{}, err
	}
	defer f.Close()
	var args []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 0; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || (n == 0 && strings.HasPrefix(line, "#!")) {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			break
		}
		rest, ok := strings.CutPrefix(line, "#SBATCH")
		if !ok {
			continue
		}
		if i := strings.Index(rest, " #"); i >= 0 {
			rest = rest[:i] // a comment after the options
		}
		args = append(args, strings.Fields(rest)...)
	}
	if err := sc.Err(); err != nil {
		return Command{}, err
	}
	c, err := Parse(args)
	c.Script = -1
	return c, err
}

// Setting is the value sbatch will use for an option, and where it came from.
type Setting struct {
	Value string
	From  string // "command line", "SBATCH_TIMELIMIT", "the script"; empty: not set
}

// Effective gives the value sbatch uses for a long option: the command line's, else the
// environment variable's, else the script's (sbatch's order of precedence).
func Effective(cmdline, script Command, name, envVar string, getenv func(string) string) Setting {
	if o, ok := cmdline.Last(name); ok {
		return Setting{o.Value, "command line"}
	}
	if v := getenv(envVar); v != "" {
		return Setting{v, envVar}
	}
	if o, ok := script.Last(name); ok {
		return Setting{o.Value, "the script"}
	}
	return Setting{}
}

// ErrUnlimited means a time limit is UNLIMITED or INFINITE.
var ErrUnlimited = errors.New("no time limit")

// ParseTime reads a SLURM time limit: "minutes", "minutes:seconds", "hours:minutes:seconds",
// "days-hours", "days-hours:minutes" or "days-hours:minutes:seconds"; UNLIMITED and INFINITE
// are ErrUnlimited.
func ParseTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "UNLIMITED", "INFINITE", "-1":
		return 0, ErrUnlimited
	}
	bad := fmt.Errorf("%q is not a SLURM time limit (as 30, 2:00:00 or 1-12:00)", s)
	num := func(p string) (int, bool) {
		n, err := strconv.Atoi(p)
		return n, err == nil && n >= 0 && p != "" && !strings.HasPrefix(p, "+")
	}
	days := 0
	rest := s
	if d, r, ok := strings.Cut(s, "-"); ok {
		n, ok := num(d)
		if !ok {
			return 0, bad
		}
		days, rest = n, r
	}
	parts := strings.Split(rest, ":")
	vals := make([]int, len(parts))
	for i, p := range parts {
		n, ok := num(p)
		if !ok {
			return 0, bad
		}
		vals[i] = n
	}
	var d time.Duration
	switch {
	case s != rest && len(vals) == 1: // days-hours
		d = time.Duration(vals[0]) * time.Hour
	case s != rest && len(vals) == 2: // days-hours:minutes
		d = time.Duration(vals[0])*time.Hour + time.Duration(vals[1])*time.Minute
	case len(vals) == 3: // [days-]hours:minutes:seconds
		d = time.Duration(vals[0])*time.Hour + time.Duration(vals[1])*time.Minute + time.Duration(vals[2])*time.Second
	case len(vals) == 1: // minutes
		d = time.Duration(vals[0]) * time.Minute
	case len(vals) == 2: // minutes:seconds
		d = time.Duration(vals[0])*time.Minute + time.Duration(vals[1])*time.Second
	default:
		return 0, bad
	}
	d += time.Duration(days) * 24 * time.Hour
	if d == 0 {
		return 0, ErrUnlimited // sbatch reads --time=0 as no limit
	}
	return d, nil
}

// PartitionLimit asks scontrol for the time limit a job without --time gets in partitions (a
// comma-separated list, or empty for the default partition): each one's DefaultTime, else its
// MaxTime; the longest of them. ErrUnlimited when one has none.
func PartitionLimit(ctx context.Context, partitions string) (time.Duration, error) {
	out, err := exec.CommandContext(ctx, "scontrol", "show", "partition", "-o").Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return 0, fmt.Errorf("scontrol show partition: %s", strings.TrimSpace(string(exit.Stderr)))
		}
		return 0, fmt.Errorf("scontrol show partition: %w", err)
	}
	return partitionLimit(string(out), partitions)
}

func partitionLimit(out, partitions string) (time.Duration, error) {
	want := map[string]bool{}
	for _, p := range strings.Split(partitions, ",") {
		if p = strings.TrimSpace(p); p != "" {
			want[p] = true
		}
	}
	var longest time.Duration
	found := 0
	for _, line := range strings.Split(out, "\n") {
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			if k, v, ok := strings.Cut(f, "="); ok {
				fields[k] = v
			}
		}
		name := fields["PartitionName"]
		if name == "" || (len(want) > 0 && !want[name]) || (len(want) == 0 && fields["Default"] != "YES") {
			continue
		}
		found++
		limit := fields["DefaultTime"]
		if limit == "" || limit == "NONE" {
			limit = fields["MaxTime"]
		}
		d, err := ParseTime(limit)
		if err != nil {
			return 0, fmt.Errorf("partition %s: %w", name, err)
		}
		longest = max(longest, d)
	}
	if found == 0 {
		if len(want) == 0 {
			return 0, errors.New("scontrol shows no default partition")
		}
		return 0, fmt.Errorf("scontrol shows no partition %s", partitions)
	}
	return longest, nil
}

// WithVar gives an --export value that also passes name from the submitting environment:
// ALL (or a list with ALL) passes everything already; NONE becomes name alone (only SLURM_*
// and name, which is what NONE gives plus name: sbatch allows no names beside NONE); a list
// of names gets name added. changed is false when the value already passes name.
func WithVar(export, name string) (value string, changed bool) {
	if strings.TrimSpace(export) == "" {
		return export, false
	}
	items := strings.Split(export, ",")
	for _, it := range items {
		n, _, _ := strings.Cut(strings.TrimSpace(it), "=")
		if strings.EqualFold(n, "ALL") || n == name {
			return export, false
		}
	}
	if len(items) == 1 && strings.EqualFold(strings.TrimSpace(items[0]), "NONE") {
		return name, true
	}
	return export + "," + name, true
}
