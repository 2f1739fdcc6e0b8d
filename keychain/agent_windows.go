//go:build windows

package keychain

// Windows has no tok agent: the vault asks for its passphrase (TOK_FILE_PASSPHRASE) each time.
func agentCaches(string) []IdentityCache { return nil }

func rememberAgent(string, IdentityCache) error      { return nil }
func reachableAgents(string, string) []IdentityCache { return nil }
func pruneAgents(string)                             {}
