// Package testserver is a loopback stand-in for the services tok talks to: the JWT platform's
// login and refresh (HS256 tokens with a short, settable lifetime and rotating refresh
// tokens), Curvenote's session exchange, and Code Ocean's and CAVE's cheap authenticated reads.
// It counts every request, and can be told to fail with 500 or to hang.
package testserver

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Server is the test server. Set its fields before starting requests, or through the setters.
type Server struct {
	*httptest.Server
	key []byte

	mu            sync.Mutex
	users         map[string]string // username -> password
	refreshTokens map[string]string // live refresh token -> username
	revokedUsers  map[string]bool   // Curvenote user-token subjects that were revoked
	accessTTL     time.Duration
	refreshDelay  time.Duration
	refreshedFor  []string // the user of each refresh request, in order

	Logins, Refreshes, Exchanges, Verifies, Requests atomic.Int64
	Fail500, Hang                                    atomic.Bool
	hangRelease                                      chan struct{}
}

// New starts a server with one user, ada / secret-password.
func New() *Server {
	s := &Server{
		key:           []byte("test-signing-key"),
		users:         map[string]string{"ada": "secret-password"},
		refreshTokens: map[string]string{},
		revokedUsers:  map[string]bool{},
		accessTTL:     time.Hour,
		hangRelease:   make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/login", s.login)
	mux.HandleFunc("POST /v1/auth/refresh", s.refresh)
	mux.HandleFunc("POST /v1/login", s.exchange)
	mux.HandleFunc("GET /api/v1/", s.codeOcean)
	mux.HandleFunc("GET /info/api/v2/datastacks", s.cave)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Requests.Add(1)
		if s.Hang.Load() {
			select {
			case <-s.hangRelease:
			case <-r.Context().Done():
			}
			return
		}
		if s.Fail500.Load() {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return s
}

// Close releases hung requests and stops the server.
func (s *Server) Close() {
	close(s.hangRelease)
	s.Server.Close()
}

// AddUser adds an account that can log in.
func (s *Server) AddUser(name, password string) { s.mu.Lock(); s.users[name] = password; s.mu.Unlock() }

// RefreshedFor lists the user of each refresh request so far ("" for an unknown token).
func (s *Server) RefreshedFor() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refreshedFor...)
}

// SetAccessTTL sets the lifetime of access tokens issued from now on.
func (s *Server) SetAccessTTL(d time.Duration) { s.mu.Lock(); s.accessTTL = d; s.mu.Unlock() }

// SetRefreshDelay makes each refresh take this long (widening any race between clients).
func (s *Server) SetRefreshDelay(d time.Duration) { s.mu.Lock(); s.refreshDelay = d; s.mu.Unlock() }

// RevokeRefreshTokens makes every refresh token issued so far invalid.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	s.refreshTokens = map[string]string{}
	s.mu.Unlock()
}

// RevokeUserTokens makes Curvenote user tokens for sub invalid.
func (s *Server) RevokeUserTokens(sub string) { s.mu.Lock(); s.revokedUsers[sub] = true; s.mu.Unlock() }

func (s *Server) sign(claims jwt.MapClaims) string {
	t, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	if err != nil {
		panic(err)
	}
	return t
}

func randomToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) issue(w http.ResponseWriter, user string, scopes []string) {
	s.mu.Lock()
	ttl := s.accessTTL
	refresh := randomToken()
	s.refreshTokens[refresh] = user
	s.mu.Unlock()
	now := time.Now()
	access := s.sign(jwt.MapClaims{
		"iss": s.URL, "sub": user, "iat": now.Unix(), "exp": now.Add(ttl).Unix(),
		"scopes": strings.Join(scopes, " "), "jti": randomToken(),
	})
	writeJSON(w, map[string]any{"access_token": access, "refresh_token": refresh, "expires_in": int(ttl.Seconds()), "token_type": "Bearer"})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	s.Logins.Add(1)
	var in struct{ Username, Password string }
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	ok := in.Password != "" && s.users[in.Username] == in.Password
	s.mu.Unlock()
	if !ok {
		http.Error(w, "wrong user or password", http.StatusUnauthorized)
		return
	}
	var scopes []string
	if sc := r.URL.Query().Get("scope"); sc != "" {
		scopes = strings.Split(sc, ",")
	}
	s.issue(w, in.Username, scopes)
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	s.Refreshes.Add(1)
	var in struct {
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	delay := s.refreshDelay
	user, ok := s.refreshTokens[in.RefreshToken]
	delete(s.refreshTokens, in.RefreshToken) // rotation: a refresh token works once
	s.refreshedFor = append(s.refreshedFor, user)
	s.mu.Unlock()
	time.Sleep(delay)
	if !ok {
		http.Error(w, "invalid refresh token", http.StatusUnauthorized)
		return
	}
	s.issue(w, user, nil)
}

// CurvenoteUserToken mints a Curvenote API token whose aud is the given login URL.
func (s *Server) CurvenoteUserToken(sub, aud string) string {
	return s.sign(jwt.MapClaims{
		"iss": s.URL + "/v1/tokens/user", "aud": aud, "sub": sub, "name": "Ada Lovelace",
		"email": "ada@example.org", "iat": time.Now().Unix(),
	})
}

func (s *Server) bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (s *Server) exchange(w http.ResponseWriter, r *http.Request) {
	s.Exchanges.Add(1)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(s.bearer(r), claims, func(*jwt.Token) (any, error) { return s.key, nil })
	iss, _ := claims.GetIssuer()
	sub, _ := claims.GetSubject()
	s.mu.Lock()
	revoked := s.revokedUsers[sub]
	s.mu.Unlock()
	if err != nil || !strings.HasSuffix(iss, "/tokens/user") || revoked {
		http.Error(w, "token revoked or expired", http.StatusUnauthorized)
		return
	}
	now := time.Now()
	writeJSON(w, map[string]string{"session": s.sign(jwt.MapClaims{
		"iss": s.URL + "/v1/tokens/session", "aud": s.URL + "/v1", "sub": sub,
		"iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(),
	})})
}

// GoodToken is the one Code Ocean and CAVE token the server accepts (per platform shape).
const (
	GoodCodeOcean = "cop_testtokenthatworks"
	GoodCAVE      = "0123456789abcdef0123456789abcdef"
)

func (s *Server) codeOcean(w http.ResponseWriter, r *http.Request) {
	s.Verifies.Add(1)
	if u, p, ok := r.BasicAuth(); !ok || u != GoodCodeOcean || p != "" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	writeJSON(w, map[string]string{"ok": "yes"})
}

func (s *Server) cave(w http.ResponseWriter, r *http.Request) {
	s.Verifies.Add(1)
	if s.bearer(r) != GoodCAVE {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	writeJSON(w, []string{"minnie65_public"})
}
