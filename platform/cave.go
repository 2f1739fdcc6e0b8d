package platform

import (
	"encoding/json"
	"fmt"
)

// isCAVEToken reports whether s has a CAVE token's shape: 32 lower-case hex characters. (A
// loop, not a regexp: compiling one at package init costs every tok start 50 µs.)
func isCAVEToken(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

var cave = Platform{
	Name:        "cave",
	Hosts:       []string{"global.daf-apis.com"},
	TokenEnv:    []string{"CAVE_TOKEN"},
	Auth:        AuthBearer,
	GitUsername: "token",
	// CAVEclient's setup-token check: list the info service's datastacks.
	VerifyPath:  "/info/api/v2/datastacks",
	SecretFiles: true,
	Check: func(secret string) error {
		if !isCAVEToken(secret) {
			return fmt.Errorf("the secret %w a CAVE token: those are 32 lower-case hex characters (from the server's /auth/api/v1/create_token page)", ErrFormat)
		}
		return nil
	},
	Describe: "CAVE / CloudVolume token (32 hex characters)",
}

// CAVESecretFiles are the files CloudVolume and CAVEclient read a CAVE token from, by name under
// their secrets directory: "<host:port>-cave-secret.json" for the server, and, for the default
// server (first), also "cave-secret.json". Each holds {"token": TOKEN}.
func CAVESecretFiles(hostPort, token string, first bool) map[string][]byte {
	data, _ := json.Marshal(map[string]string{"token": token})
	files := map[string][]byte{hostPort + "-cave-secret.json": data}
	if first {
		files["cave-secret.json"] = data
	}
	return files
}
