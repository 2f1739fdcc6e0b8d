package platform

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
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

// VerifyCAVE lists the info service's datastacks with the token as Bearer (what CAVEclient's
// setup-token does); ErrRefused means the token is revoked.
func (c *Client) VerifyCAVE(ctx context.Context, server, token string) error {
	return c.do(ctx, withHeader(jsonRequest(http.MethodGet, strings.TrimSuffix(server, "/")+"/info/api/v2/datastacks", nil),
		"Authorization", "Bearer "+token), nil)
}
