package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/inject"
)

// envFormats write one variable in each shell or file format. Each reads back exactly in that
// program's own parser, or the value is refused with an error naming the variable (never
// showing the value); no format writes a value half-escaped.
var envFormats = map[string]func(name, value string) (string, error){
	// sh, bash, zsh: single quotes keep every byte; a quote is '\''.
	"sh": func(n, v string) (string, error) { return "export " + n + "=" + shQuote(v), nil },
	// fish: inside single quotes \' and \\ are the only escapes.
	"fish": func(n, v string) (string, error) {
		return "set -gx " + n + " '" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'", nil
	},
	"powershell": func(n, v string) (string, error) {
		if !utf8.ValidString(v) {
			return "", errEnvValue(n, "is not valid UTF-8")
		}
		return "$env:" + n + " = " + psQuote(v), nil
	},
	"dotenv": dotenvLine,
}

// errEnvValue says why a variable was left out of tok env's output, and what carries it.
func errEnvValue(name, why string) error {
	return fmt.Errorf("left out %s: its value %s (tok exec, or --format sh or json, carries it as it is)", name, why)
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// psQuote is a PowerShell expression for s in ASCII alone: printable ASCII in single quotes
// (where ' is doubled), every other UTF-16 unit as + [char]0xHHHH. PowerShell also ends a
// single-quoted string at U+2018, U+2019, U+201A and U+201B, and a console whose code page is
// not UTF-8 can turn the bytes of other characters into those, so none is written as itself;
// line breaks would split a line piped to Invoke-Expression. The first operand is always a
// string, so + concatenates.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	open := true
	for _, u := range utf16.Encode([]rune(s)) {
		if u >= 0x20 && u < 0x7f {
			if !open {
				b.WriteString(" + '")
				open = true
			}
			if u == '\'' {
				b.WriteByte('\'')
			}
			b.WriteByte(byte(u))
			continue
		}
		if open {
			b.WriteByte('\'')
			open = false
		}
		fmt.Fprintf(&b, " + [char]0x%04X", u)
	}
	if open {
		b.WriteByte('\'')
	}
	return b.String()
}

// dotenvLine writes NAME='value' as python-dotenv reads it (Debian's python3-dotenv, the
// parser most .env users share): in single quotes \\ and \' are the escapes, and a line
// break is kept. A carriage return cannot survive Python's text mode there, so such a value
// goes in double quotes, where \r, \n, \\ and \" are escapes. python-dotenv expands ${NAME}
// in every value and reads a backslash just before the closing quote as escaping it, so
// values with either are refused.
func dotenvLine(n, v string) (string, error) {
	switch {
	case !utf8.ValidString(v):
		return "", errEnvValue(n, "is not valid UTF-8")
	case strings.Contains(v, "${"):
		return "", errEnvValue(n, "holds ${, which python-dotenv would expand")
	case strings.HasSuffix(v, `\`):
		return "", errEnvValue(n, "ends with a backslash, which python-dotenv would read as escaping the closing quote")
	case !strings.Contains(v, "\r"):
		return n + "='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'", nil
	}
	return n + `="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", `\r`, "\n", `\n`).Replace(v) + `"`, nil
}

func envCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "env",
		Usage: "print the variables tok exec would set, for eval or a .env file",
		Description: `The output holds tokens: prefer tok exec, which keeps them out of your shell. In a project
(a tok.env from here up to the repository root, or --env-file) it prints the project's variables.

Examples:
   eval "$(tok env)"
   tok env --only curvenote --format dotenv > .env
   tok env --format fish | source
   tok env --format powershell | Invoke-Expression
   tok env --format json

Each format reads back exactly in its own parser (sh, bash, zsh; fish; PowerShell; python-dotenv).
A value a format cannot carry is left out with an error naming the variable, and tok env exits 1.`,
		Flags: []ucli.Flag{
			onlyFlag(),
			envFlag(),
			envFileFlag(),
			&ucli.StringFlag{Name: "format", Value: "sh", Usage: "sh, fish, powershell, dotenv or json"},
			allowEnvFlag(),
		},
		Action: func(c *ucli.Context) error {
			format := c.String("format")
			quote, known := envFormats[format]
			if !known && format != "json" {
				return usageError("--format %q: choose sh, fish, powershell, dotenv or json", format)
			}
			env, store, picks, proj, err := selectionOrProject(c, stdio, false)
			if err != nil {
				return err
			}
			plan, err := inject.NewPlan(nil, picks, env.Registry, inject.Options{VarsOnly: true, Now: store.Now(), AllowEnv: c.StringSlice("allow-env")})
			if err != nil {
				return err
			}
			applyProject(plan, proj, false)
			for _, n := range plan.Notes {
				fmt.Fprintln(stdio.Stderr, "tok: "+n)
			}
			if isTerminal(stdio.Stdout) {
				fmt.Fprintln(stdio.Stderr, "tok: warning: this output holds secrets; use it with eval or redirect it to a file only you can read")
			}
			if format == "json" {
				enc := json.NewEncoder(stdio.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(plan.Vars)
			}
			failed := false
			for _, name := range plan.Order {
				value := plan.Vars[name]
				line, err := quote(name, value)
				if strings.ContainsRune(value, 0) {
					err = fmt.Errorf("left out %s: its value holds a NUL byte, which no environment variable can carry", name)
				}
				if err != nil {
					fmt.Fprintln(stdio.Stderr, "tok: "+err.Error())
					failed = true
					continue
				}
				fmt.Fprintln(stdio.Stdout, line)
			}
			if failed {
				return silentExit(1)
			}
			return nil
		},
	}
}
