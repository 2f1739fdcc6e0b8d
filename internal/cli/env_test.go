package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/keychain"
)

// hostileValues are values a server or a person may hand tok: every kind of quote, escape,
// expansion, line break and control character the formats treat specially.
var hostileValues = []string{
	"", "plain", "it's", `"double"`, `\`, `a\`, `\'`, `\\`, `a\\'b`, `a\"b`, `\n`,
	"$(touch PWNED)", "`touch PWNED`", "$HOME", "${HOME}", "${X:-y}", "$env:PATH", "%PATH%",
	"line1\nline2", "cr\rhere", "crlf\r\n", "trailing\n", "\n", "tab\there", "\x7f\x01\x1b[31m",
	"#comment", "a #b", " lead and trail ", "=", "a=b",
	"\u2018\u2019\u201a\u201b", "\u2019; touch PWNED; \u2019", "\u201c\u201d\u201e", "'; touch PWNED; '", `"; touch PWNED; "`,
	"é ü 中文 🙂", "Ä‘", ";|&<>*?[]{}~!", "a\x00b",
}

// refusedBy are the values (by index) each format must refuse rather than mangle.
func refusedBy(format string, i int) bool {
	v := hostileValues[i]
	if strings.ContainsRune(v, 0) {
		return true
	}
	return format == "dotenv" && (strings.Contains(v, "${") || strings.HasSuffix(v, `\`))
}

// envWithHostileValues is a store holding one record per hostile value, V<i> set to value i.
func envWithHostileValues(t *testing.T) *harness {
	h := newHarness(t)
	for i, v := range hostileValues {
		h.plant(fmt.Sprintf("https://v%d.example.org", i), keychain.Record{Secret: v, Env: []string{fmt.Sprintf("V%d", i)}})
	}
	return h
}

// checkRoundTrip runs tok env --format format, hands its output to read (the consumer's own
// parser, which returns what it set), and checks every value came back exactly or was refused
// by name.
func checkRoundTrip(t *testing.T, format string, read func(t *testing.T, dir, output string) map[string]string) {
	h := envWithHostileValues(t)
	r := h.run("", "env", "--format", format)
	if r.code != 1 {
		t.Errorf("exit %d (want 1: some values cannot be carried); stderr %q", r.code, r.stderr)
	}
	dir := t.TempDir()
	got := read(t, dir, r.stdout)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the %s consumer ran a command from a value: %v", format, entries)
	}
	for i, v := range hostileValues {
		name := fmt.Sprintf("V%d", i)
		said := strings.Contains(r.stderr, "tok: left out "+name+":")
		if refusedBy(format, i) {
			if !said || strings.Contains(r.stdout, name+"=") || strings.Contains(r.stdout, " "+name+" ") {
				t.Errorf("%s: value %q must be left out with an error: stderr %q", name, v, r.stderr)
			}
			continue
		}
		if said {
			t.Errorf("%s: value %q was refused: %q", name, v, r.stderr)
		}
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("%s: value %q came back as %q (set: %v)", name, v, g, ok)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if line != "" && !strings.HasPrefix(line, "tok: left out V") {
			t.Errorf("unexpected stderr line %q", line)
		}
	}
}

// dumpShell sources output in a shell (cwd dir) and writes each variable to a file, read back.
func dumpShell(t *testing.T, dir, output string, argv []string, script string) map[string]string {
	t.Helper()
	out := t.TempDir()
	envFile := filepath.Join(out, "env")
	if err := os.WriteFile(envFile, []byte(output), 0o600); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range hostileValues {
		names = append(names, fmt.Sprintf("V%d", i))
	}
	cmd := exec.Command(argv[0], append(argv[1:], fmt.Sprintf(script, envFile, strings.Join(names, " "), out))...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s\n(tok env printed %q)", argv[0], err, b, output)
	}
	got := map[string]string{}
	for _, n := range names {
		if b, err := os.ReadFile(filepath.Join(out, n)); err == nil {
			got[n] = string(b)
		}
	}
	return got
}

// posixDump: eval "$(cat FILE)", as eval "$(tok env)" does, then each set variable to a file.
const posixDump = `eval "$(cat '%s')"; for n in %s; do eval "if [ \"\${$n+set}\" = set ]; then printf '%%s' \"\$$n\" > '%s'/\$n; fi"; done`

func TestEnvFormatSh(t *testing.T) {
	for _, shell := range []string{"sh", "bash"} {
		t.Run(shell, func(t *testing.T) {
			testenv.Require(t, testenv.Have(shell), shell)
			checkRoundTrip(t, "sh", func(t *testing.T, dir, output string) map[string]string {
				return dumpShell(t, dir, output, []string{shell, "-c"}, posixDump)
			})
		})
	}
}

func TestEnvFormatFish(t *testing.T) {
	testenv.Require(t, testenv.Have("fish"), "fish (apt install fish)")
	checkRoundTrip(t, "fish", func(t *testing.T, dir, output string) map[string]string {
		return dumpShell(t, dir, output, []string{"fish", "--no-config", "-c"},
			`cat '%s' | source; for n in %s; if set -q $n; printf '%%s' "$$n" > '%s'/$n; end; end`)
	})
}

const debianPython = "/usr/bin/python3"

func TestEnvFormatDotenv(t *testing.T) {
	testenv.Require(t, testenv.FileExists("/usr/lib/python3/dist-packages/dotenv/__init__.py"), "Debian's python3-dotenv (apt install python3-dotenv)")
	checkRoundTrip(t, "dotenv", func(t *testing.T, dir, output string) map[string]string {
		path := filepath.Join(t.TempDir(), ".env")
		os.WriteFile(path, []byte(output), 0o600)
		cmd := exec.Command(debianPython, "-c", "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))", path)
		cmd.Dir = dir
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("python-dotenv: %v", err)
		}
		got := map[string]string{}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return got
	})
}

// TestEnvFormatPowerShell reads the output by PowerShell's documented quoting rules
// (about_Quoting_Rules; the tokenizer's ScanStringLiteral): a single-quoted string ends at any
// of ' U+2018 U+2019 U+201A U+201B unless the next character is one of them too, in which case
// that next character is taken literally. No PowerShell runs on this machine (Debian has none).
func TestEnvFormatPowerShell(t *testing.T) {
	checkRoundTrip(t, "powershell", func(t *testing.T, dir, output string) map[string]string {
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSuffix(output, "\n"), "\n") {
			// ASCII alone: a console on a legacy code page (1252) could turn the bytes of
			// other characters into quotes (U+0111 is C4 91; 91 is U+2018 there).
			for _, r := range line {
				if r >= 0x7f || r < 0x20 {
					t.Errorf("not printable ASCII: %U in %q", r, line)
				}
			}
			name, value, err := psEval(line)
			if err != nil {
				t.Errorf("%v in %q", err, line)
				continue
			}
			got[name] = value
		}
		return got
	})
}

func isPSSingleQuote(r rune) bool {
	return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b'
}

// psEval evaluates one line of the shape tok writes, `$env:NAME = TERM [+ TERM]...` where a
// term is a single-quoted string or [char]0xHHHH, and fails on anything else: text after a
// string that ended early is a command PowerShell would run.
func psEval(line string) (string, string, error) {
	rest, ok := strings.CutPrefix(line, "$env:")
	if !ok {
		return "", "", fmt.Errorf("no $env:")
	}
	name, rest, ok := strings.Cut(rest, " = ")
	if !ok {
		return "", "", fmt.Errorf("no assignment")
	}
	var units []uint16
	in := []rune(rest)
	for first := true; ; first = false {
		if !first {
			if len(in) == 0 {
				break
			}
			if !strings.HasPrefix(string(in), " + ") {
				return "", "", fmt.Errorf("after a term: %q", string(in))
			}
			in = in[3:]
		}
		switch {
		case len(in) > 0 && isPSSingleQuote(in[0]):
			i := 1
			for {
				if i >= len(in) {
					return "", "", fmt.Errorf("unterminated string")
				}
				c := in[i]
				if isPSSingleQuote(c) {
					if i+1 >= len(in) || !isPSSingleQuote(in[i+1]) {
						break
					}
					i++
					c = in[i]
				}
				units = append(units, utf16.Encode([]rune{c})...)
				i++
			}
			in = in[i+1:]
		case !first && strings.HasPrefix(string(in), "[char]0x") && len(in) >= 12:
			n, err := strconv.ParseUint(string(in[8:12]), 16, 16)
			if err != nil {
				return "", "", err
			}
			units = append(units, uint16(n))
			in = in[12:]
		default:
			return "", "", fmt.Errorf("not a term: %q", string(in))
		}
	}
	return name, string(utf16.Decode(units)), nil
}

// The model catches what the issue reported: a value from a server ending the string at U+2019.
func TestPSEvalModel(t *testing.T) {
	for _, bad := range []string{
		"$env:X = 'a\u2019; calc; \u2019'",
		"$env:X = 'a'; calc",
		"$env:X = 'a",
		"$env:X = 'a' + calc",
	} {
		if _, _, err := psEval(bad); err == nil {
			t.Errorf("psEval(%q) accepted it", bad)
		}
	}
	for line, want := range map[string]string{
		"$env:X = 'it''s'":                           "it's",
		"$env:X = 'a\u2019\u2019b'":                  "a’b",
		"$env:X = 'a\u2018'b'":                       "a'b",
		"$env:X = '' + [char]0x2019 + 'x'":           "’x",
		"$env:X = 'a' + [char]0xD83D + [char]0xDE42": "a🙂",
	} {
		if _, got, err := psEval(line); err != nil || got != want {
			t.Errorf("psEval(%q) = %q, %v; want %q", line, got, err, want)
		}
	}
}
