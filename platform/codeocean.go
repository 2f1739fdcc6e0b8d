package platform

import (
	"fmt"
	"strings"
)

var codeOcean = Platform{
	Name:        "codeocean",
	Hosts:       []string{"codeocean.com", "*.codeocean.com"},
	TokenEnv:    []string{"CODEOCEAN_TOKEN"},
	DomainEnv:   "CODEOCEAN_DOMAIN",
	Auth:        AuthTokenUsername,
	TokenPrefix: "cop_",
	VerifyPath:  "/api/v1/",
	Check: func(secret string) error {
		if !strings.HasPrefix(secret, "cop_") || len(secret) < 12 {
			return fmt.Errorf("the secret %w a Code Ocean access token: those start with cop_ (Account > Access Tokens)", ErrFormat)
		}
		return nil
	},
	Describe: "Code Ocean access token (cop_...), sent as the Basic-auth user name",
}
