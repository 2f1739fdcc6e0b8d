// Package prompt asks a person at the terminal: a secret without echo, a yes or no. It talks
// to /dev/tty, never to standard input or output, which may be a pipe or a program's data, so
// a question reaches the person whatever tok's streams are.
package prompt

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// ErrNoTerminal means there is no terminal to ask on (a batch job, CI, a pipe).
var ErrNoTerminal = errors.New("no terminal to ask on")

// terminal is the controlling terminal, or ErrNoTerminal.
func terminal() (*os.File, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, ErrNoTerminal
	}
	return tty, nil
}

// Secret shows label and reads one line without echo.
func Secret(label string) (string, error) {
	tty, err := terminal()
	if err != nil {
		return "", err
	}
	defer tty.Close()
	fmt.Fprint(tty, label)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", fmt.Errorf("reading from the terminal: %w", err)
	}
	return string(b), nil
}

// Confirm asks question and reports whether the answer was y or yes.
func Confirm(question string) (bool, error) {
	tty, err := terminal()
	if err != nil {
		return false, err
	}
	defer tty.Close()
	fmt.Fprint(tty, question)
	answer, _ := bufio.NewReader(tty).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes", nil
}

// Say tells the person one line (what is happening, before or after a question).
func Say(line string) error {
	tty, err := terminal()
	if err != nil {
		return err
	}
	defer tty.Close()
	_, err = fmt.Fprintln(tty, line)
	return err
}
