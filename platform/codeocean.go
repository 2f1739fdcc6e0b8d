package platform

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

var codeOcean = Platform{
	Name:      "codeocean",
	Hosts:     []string{"codeocean.com", "*.codeocean.com"},
	TokenEnv:  []string{"CODEOCEAN_TOKEN"},
	DomainEnv: "CODEOCEAN_DOMAIN",
	Auth:      AuthTokenUsername,
	Check: func(secret string) error {
		if !strings.HasPrefix(secret, "cop_") || len(secret) < 12 {
			return fmt.Errorf("the secret %w a Code Ocean access token: those start with cop_ (Account > Access Tokens)", ErrFormat)
		}
		return nil
	},
	Describe: "Code Ocean access token (cop_...), sent as the Basic-auth user name",
}

// VerifyCodeOcean makes a cheap authenticated read of https://DOMAIN/api/v1/ with the token as
// the Basic user name; ErrRefused means the token is revoked.
func (c *Client) VerifyCodeOcean(ctx context.Context, domain, token string) error {
	return c.do(ctx, withHeader(jsonRequest(http.MethodGet, strings.TrimSuffix(domain, "/")+"/api/v1/", nil),
		"Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(token+":"))), nil)
}
