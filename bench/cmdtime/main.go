// Command cmdtime runs commands many times, interleaved so that machine noise falls on all of
// them alike, feeding each the same standard input, and prints each one's median wall time and
// its ratio to the first command's. Commands are separated by ":::" (commands may use "--").
//
//	go run ./bench/cmdtime -n 300 -stdin reg.example.org docker-credential-tok get ::: docker-credential-secretservice get
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("n", 200, "runs of each command")
	warmup := flag.Int("warmup", 10, "untimed runs of each command first")
	stdin := flag.String("stdin", "", "standard input for every run")
	group := flag.String("group", "", "a label for the first column (rows only, no table header)")
	flag.Parse()
	var cmds [][]string
	for _, a := range flag.Args() {
		if a == ":::" {
			cmds = append(cmds, nil)
			continue
		}
		if len(cmds) == 0 {
			cmds = append(cmds, nil)
		}
		cmds[len(cmds)-1] = append(cmds[len(cmds)-1], a)
	}
	var valid [][]string
	for _, c := range cmds {
		if len(c) > 0 {
			valid = append(valid, c)
		}
	}
	if len(valid) == 0 {
		fmt.Fprintln(os.Stderr, "usage: cmdtime [-n N] [-stdin S] CMD ARGS [::: CMD ARGS ...]")
		os.Exit(2)
	}
	times := make([][]time.Duration, len(valid))
	for i := 0; i < *warmup+*runs; i++ {
		for j, c := range valid {
			d, err := runOnce(c, *stdin)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", strings.Join(c, " "), err)
				os.Exit(1)
			}
			if i >= *warmup {
				times[j] = append(times[j], d)
			}
		}
	}
	base := median(times[0])
	if *group == "" {
		fmt.Println("| command | median | ratio |")
		fmt.Println("|---|---|---|")
	}
	for j, c := range valid {
		m := median(times[j])
		row := fmt.Sprintf("| `%s` | %.2f ms | %.2f× |", strings.Join(c, " "), float64(m.Microseconds())/1000, float64(m)/float64(base))
		if *group != "" {
			row = "| " + *group + " " + row
		}
		fmt.Println(row)
	}
}

// runOnce runs a command and gives its wall time. (Peak memory is measured apart, with
// GNU time: a Go parent's rusage for a child counts memory shared before exec.)
func runOnce(args []string, stdin string) (time.Duration, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = strings.NewReader(stdin)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	cmd.Stdout = &errb // only shown on failure (docker helpers print their errors on stdout)
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	return d, nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
