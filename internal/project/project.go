// Package project reads a project's tok.env: the variables a repository's programs need, as
// NAME=VALUE lines that python-dotenv and docker's --env-file read the same way, where a value
// tok://TARGET[#field] is a reference to a stored token and any other value is passed as is.
// It finds the file, parses it (refusing every line the two readers would read differently),
// and resolves references through a function the caller gives, so it holds no selection rule
// of its own.
package project

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// FileName is the project file tok looks for.
const FileName = "tok.env"

// Scheme starts a reference.
const Scheme = "tok://"

// Fields a reference may ask for; FieldToken when none is given.
const (
	FieldToken    = "token"
	FieldUsername = "username"
	FieldDomain   = "domain"
)

// maxFile bounds what is read of a project file.
const maxFile = 1 << 20

// Ref is a parsed tok://TARGET[#field] reference.
type Ref struct {
	Target   string // a platform name, host or URL, without a user
	Username string // the account the reference names, "" for the default
	Field    string // FieldToken, FieldUsername or FieldDomain
}

// String is the reference as written canonically.
func (r Ref) String() string {
	t := r.Target
	if r.Username != "" {
		if scheme, rest, ok := strings.Cut(t, "://"); ok {
			t = scheme + "://" + url.User(r.Username).String() + "@" + rest
		} else {
			t = url.User(r.Username).String() + "@" + t
		}
	}
	s := Scheme + t
	if r.Field != FieldToken {
		s += "#" + r.Field
	}
	return s
}

// Entry is one NAME=VALUE line.
type Entry struct {
	Name  string
	Value string // the value as written (a reference's text for a reference)
	Line  int
	Ref   *Ref // nil for a plain value
}

// File is a parsed project file.
type File struct {
	Path    string
	Entries []Entry
}

// ParseRef parses a value. ok is false for a value that is not a reference.
func ParseRef(value string) (ref Ref, ok bool, err error) {
	rest, ok := strings.CutPrefix(value, Scheme)
	if !ok {
		return Ref{}, false, nil
	}
	target, field, hasField := strings.Cut(rest, "#")
	ref.Field = FieldToken
	if hasField {
		switch field {
		case FieldToken, FieldUsername, FieldDomain:
			ref.Field = field
		default:
			return ref, true, fmt.Errorf("%s: unknown field #%s (use #token, #username or #domain)", value, field)
		}
	}
	if scheme, after, isURL := strings.Cut(target, "://"); isURL {
		u, perr := url.Parse(target)
		if perr != nil || u.Host == "" {
			return ref, true, fmt.Errorf("%s: not a URL after tok://", value)
		}
		if _, hasPass := u.User.Password(); hasPass {
			return ref, true, fmt.Errorf("%s: a reference names a user, never a password", value)
		}
		if u.User != nil {
			ref.Username = u.User.Username()
			_, after, _ = strings.Cut(after, "@")
		}
		target = scheme + "://" + after
	} else if user, host, hasUser := strings.Cut(target, "@"); hasUser {
		if strings.Contains(user, ":") {
			return ref, true, fmt.Errorf("%s: a reference names a user, never a password", value)
		}
		u, perr := url.PathUnescape(user)
		if perr != nil {
			return ref, true, fmt.Errorf("%s: bad user name", value)
		}
		ref.Username, target = u, host
	}
	if target == "" || strings.ContainsAny(target, " \t@") {
		return ref, true, fmt.Errorf("%s: no target after tok:// (write tok://PLATFORM, tok://HOST or tok://https://USER@HOST)", value)
	}
	ref.Target = target
	return ref, true, nil
}

// Find looks for the project file from dir up to the repository root (the first directory
// holding .git), and never above home's parent: a directory that is an ancestor of it is not
// searched. It returns "" when there is none.
func Find(dir, home string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	limit := ""
	if home != "" {
		if h, err := filepath.Abs(home); err == nil {
			limit = filepath.Dir(h)
		}
	}
	for {
		if limit != "" && dir != limit && isAncestor(dir, limit) {
			return "", nil
		}
		path := filepath.Join(dir, FileName)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			return path, nil
		} else if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: not a readable file", path)
		}
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return "", nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// isAncestor reports whether a is a proper ancestor of b.
func isAncestor(a, b string) bool {
	rel, err := filepath.Rel(a, b)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Load reads and parses the project file at path.
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the project file: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads a project file. Every line is one of: empty, a comment (# first after leading
// blanks), or NAME=VALUE (after leading blanks) where NAME is [A-Za-z_][A-Za-z0-9_]* and VALUE is read as is. A line
// that python-dotenv and docker's --env-file would read differently is refused, naming the
// line: "export", blanks around =, quotes, leading or trailing blanks in a value, " #",
// "${", a name with no =, a byte-order mark or invalid UTF-8.
func Parse(r io.Reader, path string) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s: over 1 MiB; a project file lists variables, not data", path)
	}
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		return nil, fmt.Errorf("%s:1: starts with a byte-order mark, which python-dotenv reads as part of the name; save it as UTF-8 without BOM", path)
	}
	file := &File{Path: path}
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), maxFile+1)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		bad := func(why string) error { return fmt.Errorf("%s:%d: %s", path, n, why) }
		if !utf8.ValidString(line) {
			return nil, bad("not UTF-8")
		}
		if strings.ContainsAny(line, "\r\x00") {
			return nil, bad("holds a carriage return or NUL")
		}
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		name, value, hasValue := strings.Cut(trimmed, "=")
		if !hasValue {
			return nil, bad("no = (docker would copy " + quoteName(name) + " from tok's environment, python-dotenv would not); write NAME=VALUE")
		}
		if strings.HasPrefix(name, "export ") {
			return nil, bad("\"export NAME=\" is read by python-dotenv only; write NAME=VALUE")
		}
		if !platform.ValidEnvName(name) {
			return nil, bad(quoteName(name) + " is not a variable name ([A-Za-z_][A-Za-z0-9_]*, no blanks around =)")
		}
		if err := platform.CheckEnvName(name, nil); errors.Is(err, platform.ErrRiskyEnv) {
			return nil, bad(name + " changes how programs load code or which programs run; a project file may not set it")
		}
		if why := unsafeValue(value); why != "" {
			return nil, bad(name + "'s value " + why + ", which python-dotenv and docker read differently")
		}
		if first, dup := seen[name]; dup {
			return nil, bad(fmt.Sprintf("%s is set again (first on line %d)", name, first))
		}
		seen[name] = n
		e := Entry{Name: name, Value: value, Line: n}
		ref, isRef, err := ParseRef(value)
		if err != nil {
			return nil, bad(name + ": " + err.Error())
		}
		if isRef {
			e.Ref = &ref
		} else if low := strings.ToLower(value); strings.HasPrefix(low, "tok:") || strings.Contains(low, Scheme) {
			return nil, bad(name + "'s value looks like a reference but is not one (write the whole value as tok://TARGET)")
		}
		file.Entries = append(file.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return file, nil
}

func quoteName(s string) string { return fmt.Sprintf("%q", s) }

// unsafeValue says why python-dotenv and docker would read value differently, or "".
// docker takes the rest of the line as is; python-dotenv strips quotes, blanks around the
// value and a " #" comment, expands ${VAR} and decodes escapes in quoted values.
func unsafeValue(v string) string {
	switch {
	case v == "":
		return ""
	case v[0] == '"' || v[0] == '\'' || v[0] == '`':
		return "starts with a quote"
	case v[0] == ' ' || v[0] == '\t':
		return "starts with a blank"
	case strings.HasSuffix(v, " ") || strings.HasSuffix(v, "\t"):
		return "ends with a blank"
	case strings.Contains(v, " #") || strings.Contains(v, "\t#"):
		return "holds \" #\" (a comment to python-dotenv)"
	case strings.Contains(v, "${"):
		return "holds \"${\" (expanded by python-dotenv)"
	case strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "holds a control character"
	}
	return ""
}

// looksLikeRef: a value meant as a reference, maybe misspelt (tok://cave, TOK:cave, tok:/cave),
// which must resolve or stop tok; not one that starts with "tok:" by chance (SLURM names a
// cluster called tok in SLURM_WORKING_CLUSTER=tok:host:port:...).
func looksLikeRef(value string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(value), "tok:")
	return ok && (strings.HasPrefix(rest, "/") || !strings.Contains(rest, ":"))
}

// Environ is the name FromEnviron gives its File.
const Environ = "the environment"

// FromEnviron is the references among environment entries ("NAME=VALUE"): a value that starts
// with tok:// (in any case) is one, so that it is resolved, or refused, and never reaches a
// program as its literal text. Other entries are left out.
func FromEnviron(environ []string) (*File, error) {
	file := &File{Path: Environ}
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if !looksLikeRef(value) {
			continue
		}
		ref, isRef, err := ParseRef(value)
		if !isRef {
			err = errors.New("not a tok://TARGET reference")
		}
		if err != nil {
			return nil, fmt.Errorf("%s in the environment: %w", name, err)
		}
		file.Entries = append(file.Entries, Entry{Name: name, Value: value, Ref: &ref})
	}
	return file, nil
}

// Resolver finds the record a reference names: target is a platform name, host or URL,
// username the account ("" for the default). It should hand the record out (renewed when
// due) and fail when it is missing or expired beyond renewal.
type Resolver func(target, username string) (keychain.Record, error)

// Var is one variable the project gives a program.
type Var struct {
	Entry
	Value  string          // what the program gets
	Secret bool            // Value is a token (mask it)
	Record keychain.Record // the record a reference resolved to
}

// Missing is a reference that did not resolve.
type Missing struct {
	Entry
	Err error
}

// Resolve resolves every reference in f; plain values pass as is. Nothing is partial: a
// caller must not run a program while missing is not empty.
func (f *File) Resolve(resolve Resolver, now time.Time) (vars []Var, missing []Missing) {
	for _, e := range f.Entries {
		if e.Ref == nil {
			vars = append(vars, Var{Entry: e, Value: e.Value})
			continue
		}
		rec, err := resolve(e.Ref.Target, e.Ref.Username)
		if err == nil && rec.Expired(now) {
			err = fmt.Errorf("the token expired %s ago and cannot be renewed", now.Sub(rec.Expires).Round(time.Second))
		}
		v := Var{Entry: e, Record: rec}
		if err == nil {
			switch e.Ref.Field {
			case FieldToken:
				v.Value, v.Secret = rec.Secret, true
			case FieldUsername:
				v.Value = rec.Username
				if v.Value == "" {
					err = errors.New("the stored record has no user name")
				}
			case FieldDomain:
				t, perr := rec.ParsedTarget()
				if perr != nil {
					err = perr
				} else {
					v.Value = t.Scheme + "://" + t.HostPort()
				}
			}
		}
		if err == nil && v.Value == "" {
			err = errors.New("the stored record is empty")
		}
		if err == nil && strings.HasPrefix(v.Value, Scheme) {
			err = errors.New("the stored value is itself a tok:// reference")
		}
		if err != nil {
			missing = append(missing, Missing{Entry: e, Err: err})
			continue
		}
		vars = append(vars, v)
	}
	return vars, missing
}
