package keychain

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// RecordVersion is the record format this tok writes. A later tok reads every earlier version;
// this tok refuses a newer one rather than guess at it.
const RecordVersion = 1

// Sources of a record: who put it in the store.
const (
	SourceSet    = "tok set"
	SourceLogin  = "tok login"
	SourceGit    = "git store"
	SourceDocker = "docker store"
	// SourceImportPrefix is followed by the file a record was imported from.
	SourceImportPrefix = "import:"
)

// Record is one stored credential: the data of one keychain item.
type Record struct {
	Version      int       `json:"version"`
	Target       string    `json:"target"`
	Secret       string    `json:"secret"`
	Username     string    `json:"username,omitempty"`
	Platform     string    `json:"platform,omitempty"`
	Env          []string  `json:"env,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expires      time.Time `json:"expires,omitzero"`
	Scopes       []string  `json:"scopes,omitempty"`
	Source       string    `json:"source"`

	// GitOAuthRefreshToken is git's oauth_refresh_token (git 2.41+), stored with the credential
	// git approved and given back only to git, for the OAuth helper that issued it
	// (git-credential-oauth, Git Credential Manager). tok never uses it, exports it or shows it.
	GitOAuthRefreshToken string `json:"git_oauth_refresh_token,omitempty"`

	// ServerURL is the exact string a client used (docker list gives it back unchanged).
	ServerURL string `json:"server_url,omitempty"`
	// Registry marks a credential docker may list and forward to a build daemon.
	Registry bool       `json:"registry,omitempty"`
	Rejected *Rejection `json:"rejected,omitempty"`
	// Session caches a short-lived token minted from Secret (Curvenote's session exchange).
	Session *SessionToken `json:"session,omitempty"`
	// UseSession makes tok exec inject a session token instead of Secret.
	UseSession bool `json:"use_session,omitempty"`
	// PlatformDefault marks the default account of its platform's default host (tok default):
	// the record a platform name means when the platform has several hosts.
	PlatformDefault bool `json:"platform_default,omitempty"`
	// Extra holds platform data that is not a secret (a Code Ocean domain, a CAVE key name).
	Extra    map[string]string `json:"extra,omitempty"`
	Created  time.Time         `json:"created,omitzero"`
	Updated  time.Time         `json:"updated,omitzero"`
	LastUsed time.Time         `json:"last_used,omitzero"`
}

// SessionToken is a cached short-lived token.
type SessionToken struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// Rejection records that a server refused the token (git erase of a user-set token).
type Rejection struct {
	At   time.Time `json:"at"`
	Host string    `json:"host"`
}

// ErrNewerRecord means a record was written by a later tok with a format this one cannot read.
var ErrNewerRecord = errors.New("written by a newer tok")

// ErrDamagedRecord means a record's data does not parse.
var ErrDamagedRecord = errors.New("damaged record")

// String never shows the secret, so a record printed by mistake leaks nothing.
func (r Record) String() string {
	return fmt.Sprintf("Record{%s user=%q platform=%q source=%q}", r.Target, r.Username, r.Platform, r.Source)
}

// GoString keeps %#v as safe as %v.
func (r Record) GoString() string { return r.String() }

// ParsedTarget is the record's target as a Target.
func (r Record) ParsedTarget() (Target, error) {
	t, ok := TargetFromKey(KeyPrefix + r.Target)
	if !ok {
		return Target{}, fmt.Errorf("%w: target %q is not canonical", ErrDamagedRecord, r.Target)
	}
	return t, nil
}

// Expired reports whether the record has a known expiry that is at or before now.
func (r Record) Expired(now time.Time) bool {
	return !r.Expires.IsZero() && !now.Before(r.Expires)
}

// Encode gives the record's keychain item data.
func (r Record) Encode() ([]byte, error) {
	r.Version = RecordVersion
	return json.Marshal(r)
}

// DecodeRecord reads a record's keychain item data. key is named in errors so the user knows
// which item to look at; the data itself never is.
func DecodeRecord(key string, data []byte) (Record, error) {
	var probe struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Record{}, fmt.Errorf("%w: %s does not parse; remove it with: tok delete %s", ErrDamagedRecord, key, displayTarget(key))
	}
	if probe.Version > RecordVersion {
		return Record{}, fmt.Errorf("%s was %w (record format %d, this tok reads up to %d): upgrade tok", key, ErrNewerRecord, probe.Version, RecordVersion)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil || r.Secret == "" && r.Target == "" {
		return Record{}, fmt.Errorf("%w: %s does not parse; remove it with: tok delete %s", ErrDamagedRecord, key, displayTarget(key))
	}
	return r, nil
}

func displayTarget(key string) string {
	if t, ok := TargetFromKey(key); ok {
		return t.String()
	}
	return key
}
