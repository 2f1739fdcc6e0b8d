package keychain

import "strings"

// PassphraseEnv is the variable that carries the file store's and the vault's passphrase.
// Whoever holds it opens every token in the store, so it stays in the tok process that was
// given it: tok agent starts without it, and tok exec passes it on only when asked.
const PassphraseEnv = "TOK_FILE_PASSPHRASE"

// WithoutPassphrase is env (NAME=VALUE entries) less PassphraseEnv.
func WithoutPassphrase(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, PassphraseEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}
