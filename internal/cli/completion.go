package cli

import (
	"fmt"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/setup"
)

const bashCompletion = `_tok_complete() {
  local cur opts
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
  return 0
}
complete -o bashdefault -o default -F _tok_complete tok
`

const zshCompletion = `#compdef tok
_tok() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
# autoloaded from $fpath as _tok (the packages install it so): complete now; sourced: register
if [[ "${funcstack[1]}" == "_tok" ]]; then
  _tok "$@"
else
  compdef _tok tok
fi
`

func completionCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: `Examples:
   source <(tok completion bash)                 # in ~/.bashrc
   tok completion zsh > "${fpath[1]}/_tok"
   tok completion fish > ~/.config/fish/completions/tok.fish`,
		Action: func(c *ucli.Context) error {
			switch c.Args().First() {
			case "bash":
				_, err := fmt.Fprint(stdio.Stdout, bashCompletion)
				return err
			case "zsh":
				_, err := fmt.Fprint(stdio.Stdout, zshCompletion)
				return err
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(stdio.Stdout, script)
				return err
			}
			return usageError("usage: tok completion bash|zsh|fish")
		},
	}
}

// completeTarget completes a TARGET with the platform names (built in and from the config),
// which every command that takes a TARGET accepts, and a word starting with "-" with the
// command's flags. Stored targets are not offered: listing them reads every record, which is
// no job for a TAB (on macOS it can mean a keychain prompt per item).
func completeTarget(c *ucli.Context) {
	if n := len(os.Args); n > 2 && strings.HasPrefix(os.Args[n-2], "-") {
		ucli.DefaultCompleteWithFlags(c.Command)(c)
		return
	}
	if c.NArg() > 0 {
		return
	}
	env, err := setup.Load(setup.Helper)
	if err != nil {
		return
	}
	for _, name := range env.Registry.Names() {
		fmt.Fprintln(c.App.Writer, name)
	}
}
