// Command releasedocs writes what the release packages install besides the binaries: a man
// page for each binary (gzipped) and tok's bash, zsh and fish completion scripts. goreleaser
// runs it in its before hooks (go run ./internal/releasedocs DIR). It is built without the
// urfave_cli_no_docs tag, which the shipped tok keeps.
//
// DIR/man/tok.1.gz, git-credential-tok.1.gz, docker-credential-tok.1.gz
// DIR/completions/tok.bash, _tok (zsh), tok.fish
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tok-dev/tok/internal/cli"
	"github.com/tok-dev/tok/internal/setup"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/releasedocs DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "releasedocs: "+err.Error())
		os.Exit(1)
	}
}

func write(dir string) error {
	tokPage, err := cli.ManPage()
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"man/tok.1.gz":                   gz(tokPage),
		"man/git-credential-tok.1.gz":    gz(helperMan(setup.GitPage)),
		"man/docker-credential-tok.1.gz": gz(helperMan(setup.DockerPage)),
	}
	for shell, name := range map[string]string{"bash": "tok.bash", "zsh": "_tok", "fish": "tok.fish"} {
		var out, errw bytes.Buffer
		if code := cli.Main([]string{"completion", shell}, cli.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errw}); code != 0 {
			return fmt.Errorf("tok completion %s: %s", shell, strings.TrimSpace(errw.String()))
		}
		files["completions/"+name] = out.Bytes()
	}
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// gz compresses a man page as Debian wants it, with no name or time in the header, so the
// same source gives the same bytes.
func gz(s string) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// helperMan renders a helper's page as roff.
func helperMan(p setup.HelperPage) string {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH %s 1 \"\" \"tok\" \"User Commands\"\n", strings.ToUpper(p.Name))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n.SH SYNOPSIS\n", roff(p.Name), roff(p.Summary))
	for i, line := range p.Synopsis {
		if i > 0 {
			b.WriteString(".br\n")
		}
		b.WriteString(".B " + roff(line) + "\n")
	}
	b.WriteString(".SH DESCRIPTION\n")
	for _, para := range strings.Split(p.Body, "\n\n") {
		b.WriteString(".PP\n")
		inExample := false
		for _, line := range strings.Split(para, "\n") {
			example := strings.HasPrefix(line, "   ")
			if example && !inExample {
				b.WriteString(".PP\n.RS 4\n.nf\n")
			} else if !example && inExample {
				b.WriteString(".fi\n.RE\n")
			}
			inExample = example
			b.WriteString(roff(strings.TrimPrefix(line, "   ")) + "\n")
		}
		if inExample {
			b.WriteString(".fi\n.RE\n")
		}
	}
	return b.String()
}

// roff escapes text for a roff line: backslashes, and a leading dot or quote that would make
// the line a request.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
