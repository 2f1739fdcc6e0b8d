// Package oneline turns an error into the one line tok prints for it: git, docker and people
// read a single line, and a message spread over several would be cut or misread.
package oneline

import "strings"

// Error is err's message on one line: surrounding space trimmed, line breaks made spaces.
func Error(err error) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(strings.TrimSpace(err.Error()))
}
