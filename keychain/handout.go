package keychain

import "context"

// Renewer renews a record whose access token is due (Record.NeedsRefresh). key is the key the
// record is stored at, never a target re-typed for a person, so every account of every host
// renews. It returns the record as stored after the renewal. tok renews in its own process
// (lifecycle.Service); the git and docker helpers, which never link net/http, run a tok child.
type Renewer interface {
	Renew(ctx context.Context, key Target, rec Record) (Record, error)
}

// HandOut is the one way a token leaves the store, for git, docker, tok get, tok exec and tok
// env alike: the record that answers req (Lookup), renewed by r when it is due; when the
// renewal fails, the old token while it still works (the failure goes to warn, if any) and
// the failure once it has expired. The use is recorded (Touch). r may be nil: no renewal.
func (s *Store) HandOut(ctx context.Context, req Target, r Renewer, warn func(error)) (Record, error) {
	rec, err := s.Lookup(req)
	if err != nil {
		return rec, err
	}
	return s.HandOutRecord(ctx, rec, r, warn)
}

// HandOutRecord is HandOut for a record already chosen (by selection, for tok exec and env).
func (s *Store) HandOutRecord(ctx context.Context, rec Record, r Renewer, warn func(error)) (Record, error) {
	if r != nil && rec.NeedsRefresh(s.Now()) {
		key, err := rec.ParsedTarget()
		if err != nil {
			return rec, err
		}
		renewed, err := r.Renew(ctx, key, rec)
		switch {
		case err == nil:
			rec = renewed
		case rec.Expired(s.Now()):
			return rec, err
		case warn != nil:
			warn(err)
		}
	}
	s.Touch(rec)
	return rec, nil
}
