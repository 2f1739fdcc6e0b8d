package platform

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tok-dev/tok/keychain"
)

var jwtPlatform = Platform{
	Name:        "jwt",
	Auth:        AuthBearer,
	GitUsername: "token",
	Check: func(secret string) error {
		if _, ok := keychain.ReadClaims(secret); !ok {
			return fmt.Errorf("the secret %w a JWT (three dot-separated base64url parts)", ErrFormat)
		}
		return nil
	},
	Describe: "any JWT-based API (login and refresh at /v1/auth/...)",
}

// TokenResponse is the JWT platform's answer to login and refresh.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// Expiry is when the access token expires: its exp claim, else now + expires_in.
func (r TokenResponse) Expiry(now time.Time) time.Time {
	if c, ok := keychain.ReadClaims(r.AccessToken); ok && !c.Expires.IsZero() {
		return c.Expires
	}
	if r.ExpiresIn > 0 {
		return now.Add(time.Duration(r.ExpiresIn) * time.Second).UTC()
	}
	return time.Time{}
}

// JWTLogin signs in: POST base/v1/auth/login {"username","password"} (scopes as ?scope=a,b).
func (c *Client) JWTLogin(ctx context.Context, base, username, password string, scopes []string) (TokenResponse, error) {
	u := strings.TrimSuffix(base, "/") + "/v1/auth/login"
	if len(scopes) > 0 {
		u += "?scope=" + url.QueryEscape(strings.Join(scopes, ","))
	}
	var out TokenResponse
	err := c.do(ctx, jsonRequest(http.MethodPost, u, map[string]string{"username": username, "password": password}), &out)
	if err == nil && out.AccessToken == "" {
		err = fmt.Errorf("%s answered without an access_token", u)
	}
	return out, err
}

// JWTRefresh renews an access token: POST base/v1/auth/refresh {"refresh_token"}.
func (c *Client) JWTRefresh(ctx context.Context, base, refreshToken string) (TokenResponse, error) {
	u := strings.TrimSuffix(base, "/") + "/v1/auth/refresh"
	var out TokenResponse
	err := c.do(ctx, jsonRequest(http.MethodPost, u, map[string]string{"refresh_token": refreshToken}), &out)
	if err == nil && out.AccessToken == "" {
		err = fmt.Errorf("%s answered without an access_token", u)
	}
	return out, err
}
