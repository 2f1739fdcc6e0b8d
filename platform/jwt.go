package platform

import (
	"fmt"
)

var jwtPlatform = Platform{
	Name:        "jwt",
	Auth:        AuthBearer,
	GitUsername: "token",
	Check: func(secret string) error {
		if _, ok := ReadClaims(secret); !ok {
			return fmt.Errorf("the secret %w a JWT (three dot-separated base64url parts)", ErrFormat)
		}
		return nil
	},
	Describe: "any JWT-based API (login and refresh at /v1/auth/...)",
}
