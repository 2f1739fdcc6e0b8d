package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/inject"
)

// envFormats quote a value for each shell or file format.
var envFormats = map[string]func(name, value string) string{
	"sh": func(n, v string) string { return "export " + n + "=" + shQuote(v) },
	"fish": func(n, v string) string {
		return "set -gx " + n + " '" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
	},
	"powershell": func(n, v string) string { return "$env:" + n + " = '" + strings.ReplaceAll(v, "'", "''") + "'" },
	"dotenv": func(n, v string) string {
		return n + `="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(v) + `"`
	},
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

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
   tok env --format json`,
		Flags: []ucli.Flag{
			onlyFlag(),
			envFileFlag(),
			&ucli.StringFlag{Name: "format", Value: "sh", Usage: "sh, fish, powershell, dotenv or json"},
		},
		Action: func(c *ucli.Context) error {
			format := c.String("format")
			quote, known := envFormats[format]
			if !known && format != "json" {
				return usageError("--format %q: choose sh, fish, powershell, dotenv or json", format)
			}
			env, store, records, proj, err := selectionOrProject(c, stdio, false)
			if err != nil {
				return err
			}
			plan, err := inject.NewPlan(nil, records, env.Registry, inject.Options{VarsOnly: true, Now: store.Now()})
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
			for _, name := range plan.Order {
				fmt.Fprintln(stdio.Stdout, quote(name, plan.Vars[name]))
			}
			return nil
		},
	}
}
