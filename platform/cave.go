package platform

import (
	"fmt"
	"regexp"
)

var caveToken = regexp.MustCompile(`^[0-9a-f]{32}$`)

var cave = Platform{
	Name:        "cave",
	Hosts:       []string{"global.daf-apis.com"},
	TokenEnv:    []string{"CAVE_TOKEN"},
	Auth:        AuthBearer,
	GitUsername: "token",
	Check: func(secret string) error {
		if !caveToken.MatchString(secret) {
			return fmt.Errorf("the secret %w a CAVE token: those are 32 lower-case hex characters (from the server's /auth/api/v1/create_token page)", ErrFormat)
		}
		return nil
	},
	Describe: "CAVE / CloudVolume token (32 hex characters)",
}
