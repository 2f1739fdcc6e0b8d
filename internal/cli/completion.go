package cli

import (
	"fmt"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
)

// completeCommand is the hidden command the completion scripts run: tok __complete WORD...
// CUR prints, one a line, what may follow the words already typed (without "tok") when the
// word being typed starts with CUR. Every shell's script is a thin caller of it, so bash, zsh
// and fish offer the same.
const completeCommand = "__complete"

const bashCompletion = `# tok completion for bash: source <(tok completion bash)
_tok_complete() {
  local line="${COMP_LINE:0:COMP_POINT}" cur="" i
  local -a words
  read -ra words <<< "$line"
  if [[ "$line" != *[[:space:]] ]]; then cur="${words[${#words[@]}-1]}"; unset 'words[${#words[@]}-1]'; fi
  mapfile -t COMPREPLY < <("${words[0]}" __complete "${words[@]:1}" "$cur" 2>/dev/null)
  # bash splits the word at ":" (COMP_WORDBREAKS): keep only what is right of the last colon.
  if [[ "$cur" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
    local left="${cur%"${cur##*:}"}"
    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]="${COMPREPLY[i]#"$left"}"; done
  fi
  return 0
}
complete -o default -F _tok_complete tok
`

const zshCompletion = `#compdef tok
# tok completion for zsh: tok completion zsh > "${fpath[1]}/_tok" (or source <(tok completion zsh))
_tok() {
  local -a opts
  opts=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null)}")
  if [[ -n "${opts[1]}" ]]; then
    compadd -- "${opts[@]}"
  else
    _files
  fi
}
if [[ "${funcstack[1]}" == "_tok" ]]; then
  _tok "$@"
else
  compdef _tok tok
fi
`

const fishCompletion = `# tok completion for fish: tok completion fish > ~/.config/fish/completions/tok.fish
function __tok_complete
    set -l words (commandline -opc)
    $words[1] __complete $words[2..-1] (commandline -ct) 2>/dev/null
end
complete -c tok -n 'not __fish_seen_subcommand_from exec' -f -a '(__tok_complete)'
complete -c tok -n '__fish_seen_subcommand_from exec' -a '(__tok_complete)'
`

func completionCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: `Completes commands, flags, platform names and, when the store opens without a prompt
(a desktop keychain, an unlocked vault), the targets tok holds.

Examples:
   source <(tok completion bash)                 # in ~/.bashrc
   tok completion zsh > "${fpath[1]}/_tok"
   tok completion fish > ~/.config/fish/completions/tok.fish`,
		Action: func(c *ucli.Context) error {
			script, ok := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}[c.Args().First()]
			if !ok || c.NArg() != 1 {
				return usageError("usage: tok completion bash|zsh|fish")
			}
			_, err := fmt.Fprint(stdio.Stdout, script)
			return err
		},
	}
}

// complete prints the completions of tok __complete's arguments: the words typed so far, then
// the word being typed.
func complete(stdio IO, args []string) int {
	if len(args) == 0 {
		return 0
	}
	for _, s := range completions(stdio, args[:len(args)-1], args[len(args)-1]) {
		fmt.Fprintln(stdio.Stdout, s)
	}
	return 0
}

// completions is what may stand where cur is typed after words.
func completions(stdio IO, words []string, cur string) []string {
	app := newApp(stdio)
	var cmd *ucli.Command
	commands := app.Commands
	prev := ""
	positional := 0 // arguments given to cmd so far
	for _, w := range words {
		if w == "--" {
			return nil // the program's own arguments: the shell completes files
		}
		if takesValue(cmd, prev) {
			prev = ""
			continue
		}
		prev = w
		if strings.HasPrefix(w, "-") {
			continue
		}
		if sub := findCommand(commands, w); sub != nil && (cmd == nil || len(cmd.Subcommands) > 0) {
			cmd, commands = sub, sub.Subcommands
			prev, positional = "", 0
			continue
		}
		positional++
	}
	if cmd != nil && positional > 0 && !strings.Contains(cmd.ArgsUsage, "...") && !strings.HasPrefix(cur, "-") && !takesValue(cmd, prev) {
		return nil // its one argument is given
	}
	var out []string
	switch {
	case takesValue(cmd, prev):
		switch strings.TrimLeft(prev, "-") {
		case "only":
			out = append(platformNames(stdio), storedTargets(stdio, false)...)
		case "platform", "p":
			out = platformNames(stdio)
		case "format":
			out = []string{"sh", "fish", "powershell", "dotenv", "json"}
		}
	case strings.HasPrefix(cur, "-"):
		var flags []ucli.Flag
		if cmd != nil {
			flags = cmd.Flags
		}
		for _, f := range flags {
			if v, ok := f.(ucli.VisibleFlag); ok && !v.IsVisible() {
				continue
			}
			for _, n := range f.Names() {
				if len(n) == 1 {
					out = append(out, "-"+n)
				} else {
					out = append(out, "--"+n)
				}
			}
		}
		out = append(out, "--help")
	case cmd == nil || len(cmd.Subcommands) > 0:
		for _, c := range commands {
			if !c.Hidden && c.Name != "help" {
				out = append(out, c.Name)
			}
		}
	case cmd.Name == "completion":
		out = []string{"bash", "zsh", "fish"}
	case cmd.Name == "exec" || cmd.Name == "env":
	case strings.Contains(cmd.ArgsUsage, "REGISTRY"):
		out = storedTargets(stdio, true)
	case strings.Contains(cmd.ArgsUsage, "TARGET") || strings.Contains(cmd.ArgsUsage, "URL"):
		out = append(platformNames(stdio), storedTargets(stdio, false)...)
	}
	var matched []string
	for _, s := range out {
		if strings.HasPrefix(s, cur) && !slices.Contains(matched, s) {
			matched = append(matched, s)
		}
	}
	return matched
}

func findCommand(commands []*ucli.Command, name string) *ucli.Command {
	for _, c := range commands {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether word is a flag of cmd that takes the next word as its value.
func takesValue(cmd *ucli.Command, word string) bool {
	if cmd == nil || !strings.HasPrefix(word, "-") || strings.Contains(word, "=") {
		return false
	}
	name := strings.TrimLeft(word, "-")
	for _, f := range cmd.Flags {
		if slices.Contains(f.Names(), name) {
			_, isBool := f.(*ucli.BoolFlag)
			return !isBool
		}
	}
	return false
}

func platformNames(stdio IO) []string {
	env, err := noPromptEnv(stdio)
	if err != nil {
		return nil
	}
	return env.Registry.Names()
}

// storedTargets lists the targets tok holds, as a person would type them (an https target
// without its scheme), when the store opens and lists without a prompt: completion never asks
// for a passphrase and never waits long on a keychain (a helper's deadline).
func storedTargets(stdio IO, registriesOnly bool) []string {
	entries, err := listNoPrompt(stdio)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.Err != nil || (registriesOnly && !e.Record.Registry) {
			continue
		}
		t := e.Target
		if registriesOnly {
			out = append(out, t.HostPort())
		} else if t.Scheme == "https" {
			out = append(out, strings.TrimPrefix(t.URL(), "https://"))
		} else {
			out = append(out, t.URL())
		}
	}
	return out
}

// noPromptEnv loads tok's environment as a helper does: no prompt, a short deadline. For what
// is only nice to have (completion, install's look at the records), never worth a prompt.
func noPromptEnv(stdio IO) (*setup.Env, error) {
	if stdio.LoadEnv != nil {
		return stdio.LoadEnv()
	}
	return setup.Load(setup.Helper)
}

// listNoPrompt lists the store when it opens without a prompt (a desktop keychain, an unlocked
// vault, TOK_FILE_PASSPHRASE).
func listNoPrompt(stdio IO) ([]keychain.Entry, error) {
	env, err := noPromptEnv(stdio)
	if err != nil {
		return nil, err
	}
	store, err := stdio.storeOf(env)
	if err != nil {
		return nil, err
	}
	return store.List()
}
