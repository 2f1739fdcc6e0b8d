package importer

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// A netrc is read exactly as Python's netrc module (3.11) reads it: the same tokens, quotes and
// backslash escapes, comments (with the module's own line rules), macdef bodies running to a line
// that is only a newline, and for a machine named twice the last entry. curl reads most files
// the same way, but not all: curl keeps backslashes in unquoted tokens, turns \n \r \t in quoted
// ones into control characters, takes a '#' anywhere as a comment, matches keywords in any case,
// knows no "user", reads the first entry of a machine named twice (and the first login or
// password given twice in one entry), stops at a "default" that comes before a machine, drops a
// password given without a login unless its entry is the last, and fails on a quote left open at
// the end of a line. A file where the two could differ is reported and nothing in it is imported:
// tok cannot know which reading the user relies on. netrc_test.go checks tok against python3 and
// the curl binary on thousands of generated files.

// netrcEntry is one "machine" (or "default") entry, its values decoded, and the bytes it spans.
type netrcEntry struct {
	machine, login, account, password string
	isDefault                         bool
	start, end                        int // from the keyword to the end of its last token (or same-line comment)
}

// netrcFile is what Python reads from a netrc, with positions.
type netrcFile struct {
	entries []netrcEntry
	macros  []string // each macro's name and body, to check they survive an edit
}

// netrcToken is one token as Python's lexer returns it, with the bytes it came from.
type netrcToken struct {
	text       string
	start, end int // raw bytes, quotes included
	quoted     bool
	curlDiffer string // why curl would read this token differently, or ""
}

// netrcLexer is Python's _netrclex over the raw bytes. Python reads the file as text with
// universal newlines, so "\r\n" and a lone "\r" are each one "\n" here too.
type netrcLexer struct {
	data     []byte
	pos      int
	lineno   int
	pushback []netrcToken
}

// next reads one character without counting lines (Python's readline does not count them).
func (l *netrcLexer) next() (byte, bool) {
	if l.pos >= len(l.data) {
		return 0, false
	}
	c := l.data[l.pos]
	l.pos++
	if c == '\r' {
		if l.pos < len(l.data) && l.data[l.pos] == '\n' {
			l.pos++
		}
		c = '\n'
	}
	return c, true
}

func (l *netrcLexer) readChar() (byte, bool) {
	c, ok := l.next()
	if ok && c == '\n' {
		l.lineno++
	}
	return c, ok
}

// readline is Python's instream.readline(): the rest of the line, its newline included.
func (l *netrcLexer) readline() (string, int, int) {
	start := l.pos
	var b strings.Builder
	for {
		c, ok := l.next()
		if !ok {
			break
		}
		b.WriteByte(c)
		if c == '\n' {
			break
		}
	}
	return b.String(), start, l.pos
}

func isNetrcSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// getToken is Python's get_token.
func (l *netrcLexer) getToken() netrcToken {
	if len(l.pushback) > 0 {
		t := l.pushback[0]
		l.pushback = l.pushback[1:]
		return t
	}
	var tok []byte
	for {
		start := l.pos
		c, ok := l.readChar()
		if !ok {
			return netrcToken{start: start, end: start}
		}
		if isNetrcSpace(c) {
			continue
		}
		t := netrcToken{start: start}
		if c == '"' {
			t.quoted = true
			for {
				c, ok := l.readChar()
				if !ok {
					t.curlDiffer = "a quote is left open"
					break
				}
				if c == '"' {
					break
				}
				if c == '\\' {
					c, ok = l.readChar()
					if ok && (c == 'n' || c == 'r' || c == 't') {
						t.curlDiffer = `a quoted token holds \` + string(c) + ` (curl reads a control character, Python the letter)`
					}
					if !ok {
						continue
					}
				}
				if c == '\n' {
					t.curlDiffer = "a quoted token runs over a line end"
				}
				tok = append(tok, c)
			}
			t.end, t.text = l.pos, string(tok)
			return t
		}
		for {
			if c == '\\' {
				t.curlDiffer = "an unquoted token holds a backslash (Python drops it, curl keeps it)"
				var ok bool
				if c, ok = l.readChar(); !ok {
					break
				}
			}
			tok = append(tok, c)
			before := l.pos
			var ok bool
			if c, ok = l.readChar(); !ok {
				break
			}
			if isNetrcSpace(c) {
				t.end, t.text = before, string(tok)
				return t
			}
		}
		t.end, t.text = l.pos, string(tok)
		return t
	}
}

// errNetrcDiffer wraps every reason curl and Python could read a file differently.
var errNetrcDiffer = errors.New("curl and Python's netrc could read this file differently")

// netrcKeywords are the words curl takes as keywords, in any case.
var netrcKeywords = []string{"machine", "default", "macdef", "login", "password"}

func isNetrcKeyword(s string) bool {
	for _, k := range netrcKeywords {
		if strings.EqualFold(s, k) {
			return true
		}
	}
	return false
}

// commentWordsDiffer says whether curl could take a word of a comment Python skips as part of
// an entry (curl 8 only skips lines that start with '#').
func commentWordsDiffer(s string) bool {
	for _, w := range strings.Fields(s) {
		if isNetrcKeyword(strings.TrimLeft(w, "#")) || strings.Contains(w, `"`) {
			return true
		}
	}
	return false
}

// parseNetrc reads data as Python's netrc does. An error is a file Python refuses
// (NetrcParseError, not UTF-8) or one curl could read differently (wrapping errNetrcDiffer).
func parseNetrc(data []byte) (*netrcFile, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("is not UTF-8, which Python's netrc reads it as")
	}
	const curlMaxFile, curlMaxLine = 128 << 10, 4095
	if len(data) > curlMaxFile {
		return nil, fmt.Errorf("%w: it is over 128 KiB, which curl does not read", errNetrcDiffer)
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(line) > curlMaxLine {
			return nil, fmt.Errorf("%w: line %d is longer than curl reads", errNetrcDiffer, i+1)
		}
	}
	l := &netrcLexer{data: data, lineno: 1}
	f := &netrcFile{}
	differ := func(why string, t netrcToken) error {
		return fmt.Errorf("%w: %s (line %d)", errNetrcDiffer, why, lineAt(data, t.start))
	}
	bad := func(why string, t netrcToken) error {
		return fmt.Errorf("does not parse as a netrc (Python's netrc: %s, line %d)", why, lineAt(data, t.start))
	}
	// value reads a machine name, login, account or password.
	value := func() (netrcToken, error) {
		v := l.getToken()
		switch {
		case v.text == "" && !v.quoted:
			return v, differ("a keyword at the end of the file has no value (curl then drops the entry's password)", v)
		case v.curlDiffer != "":
			return v, differ(v.curlDiffer, v)
		case strings.HasPrefix(v.text, "#") && !v.quoted:
			return v, differ("a value starts with '#', which curl reads as a comment", v)
		case isNetrcKeyword(v.text):
			return v, differ(fmt.Sprintf("the value %q is a keyword to curl", v.text), v)
		}
		return v, nil
	}
	// comment handles a token starting with '#': Python skips the rest of the line only when the
	// token ends on the line it started (sameLine; at top level only for a lone "#"), otherwise
	// only the token. It returns where the skipped text ends on its line.
	comment := func(t netrcToken, sameLine, toplevel bool) (int, error) {
		if t.quoted || t.curlDiffer != "" {
			return 0, differ("a quoted token starts with '#', which Python skips as a comment", t)
		}
		le := lineEnd(data, t.start)
		if sameLine && (!toplevel || len(t.text) == 1) {
			l.readline()
		} else if len(bytes.Trim(data[t.end:le], " \t")) > 0 {
			return 0, differ("a comment Python ends at its first word", t)
		}
		lineStart := bytes.LastIndexAny(data[:t.start], "\r\n") + 1
		if len(bytes.Trim(data[lineStart:t.start], " \t")) > 0 && commentWordsDiffer(string(data[t.start:le])) {
			return 0, differ("a comment after other tokens on its line holds a netrc keyword or a quote", t)
		}
		return le, nil
	}
	seen := map[string]netrcEntry{} // lower-case machine name
	sawDefault := false
	for {
		saved := l.lineno
		tt := l.getToken()
		if tt.text == "" {
			if len(bytes.Trim(data[tt.start:], " \t\r\n")) > 0 {
				return nil, differ(`an empty token ends Python's reading before the end of the file`, tt)
			}
			break
		}
		if tt.curlDiffer != "" {
			return nil, differ(tt.curlDiffer, tt)
		}
		if tt.text[0] == '#' {
			if _, err := comment(tt, l.lineno == saved, true); err != nil {
				return nil, err
			}
			continue
		}
		e := netrcEntry{start: tt.start}
		switch tt.text {
		case "machine":
			v, err := value()
			if err != nil {
				return nil, err
			}
			e.machine, e.end = v.text, v.end
		case "default":
			e.machine, e.isDefault, e.end = "default", true, tt.end
		case "macdef":
			v, err := value()
			if err != nil {
				return nil, err
			}
			macro := v.text + "\x00"
			for {
				line, ls, _ := l.readline()
				if line == "" {
					return nil, bad("Macro definition missing null line terminator.", tt)
				}
				if line == "\n" {
					break
				}
				if len(strings.TrimSpace(line)) == 0 {
					return nil, differ("a macro body holds a line of only spaces, which ends it for curl", netrcToken{start: ls})
				}
				if commentWordsDiffer(line) {
					return nil, differ("a macro body holds a netrc keyword or a quote", netrcToken{start: ls})
				}
				macro += line
			}
			f.macros = append(f.macros, macro)
			continue
		default:
			return nil, bad(fmt.Sprintf("bad toplevel token %q", tt.text), tt)
		}
		if e.machine == "" {
			return nil, bad(fmt.Sprintf("missing %q name", tt.text), tt)
		}
		given := map[string]bool{}
		for {
			prev := l.lineno
			t := l.getToken()
			if strings.HasPrefix(t.text, "#") {
				end, err := comment(t, l.lineno == prev, false)
				if err != nil {
					return nil, err
				}
				if lineAt(data, t.start) == lineAt(data, e.end) {
					e.end = end // a comment on the entry's last line goes with it
				}
				continue
			}
			if t.text == "" || t.text == "machine" || t.text == "default" || t.text == "macdef" {
				if t.text == "" && t.quoted {
					return nil, differ(`an empty token ends Python's reading before the end of the file`, t)
				}
				l.pushback = append(l.pushback, t)
				break
			}
			if t.curlDiffer != "" {
				return nil, differ(t.curlDiffer, t)
			}
			if given[t.text] {
				return nil, differ(fmt.Sprintf("machine %s gives %q twice (Python reads the last, curl the first)", e.machine, t.text), t)
			}
			given[t.text] = true
			var v netrcToken
			var err error
			switch t.text {
			case "login", "account", "password":
				v, err = value()
			case "user":
				return nil, differ(`"user" is a keyword only to Python (curl knows "login")`, t)
			default:
				return nil, bad(fmt.Sprintf("bad follower token %q", t.text), t)
			}
			if err != nil {
				return nil, err
			}
			switch t.text {
			case "login":
				e.login = v.text
			case "account":
				e.account = v.text
			case "password":
				e.password = v.text
			}
			e.end = v.end
		}
		if !e.isDefault && given["password"] && !given["login"] {
			return nil, differ(fmt.Sprintf("machine %s has a password but no login (curl uses it only in the file's last entry)", e.machine), tt)
		}
		if !e.isDefault && sawDefault {
			return nil, differ(fmt.Sprintf("machine %s comes after default (curl stops at default, Python reads on)", e.machine), tt)
		}
		sawDefault = sawDefault || e.isDefault
		if !e.isDefault {
			key := strings.ToLower(e.machine)
			if old, ok := seen[key]; ok && (old.login != e.login || old.password != e.password || old.account != e.account) {
				return nil, differ(fmt.Sprintf("machine %s has two entries (Python reads the last, curl the first)", e.machine), tt)
			}
			seen[key] = e
		}
		f.entries = append(f.entries, e)
	}
	return f, nil
}

// lineEnd is where the line holding pos ends, before its line break.
func lineEnd(data []byte, pos int) int {
	if i := bytes.IndexAny(data[pos:], "\r\n"); i >= 0 {
		return pos + i
	}
	return len(data)
}

func lineAt(data []byte, pos int) int {
	if pos > len(data) {
		pos = len(data)
	}
	return bytes.Count(data[:pos], []byte("\n")) + 1
}

// hosts is Python's netrc.hosts: machine -> the last entry for it ("default" included).
func (f *netrcFile) hosts() map[string]netrcEntry {
	h := map[string]netrcEntry{}
	for _, e := range f.entries {
		h[e.machine] = e
	}
	return h
}

// same says whether two entries hold the same values.
func (e netrcEntry) same(o netrcEntry) bool {
	return e.machine == o.machine && e.login == o.login && e.account == o.account && e.password == o.password && e.isDefault == o.isDefault
}

func netrcPath(env Env) string {
	if p := env.Getenv("NETRC"); p != "" {
		return p
	}
	if env.GOOS == "windows" {
		return filepath.Join(env.Home, "_netrc")
	}
	return filepath.Join(env.Home, ".netrc")
}

// netrcNoSecret says whether an entry holds no token: anonymous FTP logins and empty passwords.
func netrcNoSecret(login, password string) bool {
	l := strings.ToLower(login)
	return l == "anonymous" || l == "guest" || password == ""
}

// netrcSource reads ~/.netrc (or $NETRC): each machine with a password, or a Code Ocean token
// as its login with an empty password (Code Ocean's shape).
func netrcSource(env Env) ([]Found, []Problem) {
	path := netrcPath(env)
	data, mode, err := readFile(path)
	if err != nil {
		return nil, []Problem{{path, err}}
	}
	if data == nil {
		return nil, nil
	}
	f, err := parseNetrc(data)
	if err != nil {
		return nil, []Problem{{path, fmt.Errorf("%w; nothing imported from this file", err)}}
	}
	hosts := f.hosts()
	var found []Found
	done := map[string]bool{}
	for _, e := range f.entries {
		if e.isDefault || e.machine == "default" || done[e.machine] {
			continue
		}
		done[e.machine] = true
		e = hosts[e.machine] // what Python reads for it
		secret, user := e.password, e.login
		if p, ok := env.Registry.Detect(user); ok && secret == "" && p.Auth == platform.AuthTokenUsername {
			secret, user = user, "" // the token travels as the user name (Code Ocean)
		} else if netrcNoSecret(e.login, e.password) {
			continue
		}
		target, err := keychain.ParseTarget(e.machine)
		if err != nil {
			return nil, []Problem{{path, fmt.Errorf("machine %q: %v; nothing imported from this file", e.machine, err)}}
		}
		rec := keychain.Record{Secret: secret, Username: user}
		if p, ok := env.Registry.ForHost(target.Host); ok {
			rec.Platform = p.Name
		} else if p, ok := env.Registry.Detect(secret); ok {
			rec.Platform = p.Name
		}
		entry := e
		found = append(found, Found{Path: path, Mode: mode, Target: target, Record: rec, Identity: user,
			remove:  func(b []byte) ([]byte, error) { return removeNetrcEntry(b, entry) },
			present: func(b []byte) bool { return netrcHas(b, entry) }})
	}
	return found, nil
}

// netrcHas says whether data still holds an entry with want's values (or cannot be read).
func netrcHas(data []byte, want netrcEntry) bool {
	f, err := parseNetrc(data)
	if err != nil {
		return bytes.Contains(data, []byte(want.password)) || want.password == ""
	}
	for _, e := range f.entries {
		if e.same(want) {
			return true
		}
	}
	return false
}

// removeNetrcEntry drops every entry holding want's values, wherever they now are, with the
// whole lines they fill (a comment on the last line included), and checks that Python then reads
// the same file less those entries: the other entries and every macro unchanged.
func removeNetrcEntry(data []byte, want netrcEntry) ([]byte, error) {
	before, err := parseNetrc(data)
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, data...)
	var kept []netrcEntry
	removed := 0
	for i := len(before.entries) - 1; i >= 0; i-- {
		e := before.entries[i]
		if !e.same(want) {
			kept = append([]netrcEntry{e}, kept...)
			continue
		}
		s, t := netrcCut(out, e.start, e.end)
		out = append(out[:s:s], out[t:]...)
		removed++
	}
	if removed == 0 {
		return nil, fmt.Errorf("machine %s is no longer in the file", want.machine)
	}
	after, err := parseNetrc(out)
	if err != nil {
		return nil, fmt.Errorf("removing machine %s would change how the rest of the file reads; left as it is", want.machine)
	}
	ok := len(after.entries) == len(kept) && strings.Join(after.macros, "\x01") == strings.Join(before.macros, "\x01")
	for i := 0; ok && i < len(kept); i++ {
		ok = after.entries[i].same(kept[i])
	}
	if !ok {
		return nil, fmt.Errorf("removing machine %s would change how the rest of the file reads; left as it is", want.machine)
	}
	return out, nil
}

// netrcCut widens [s, t) to the whole lines it fills; otherwise it takes the blanks after it.
func netrcCut(data []byte, s, t int) (int, int) {
	ls := bytes.LastIndexByte(data[:s], '\n') + 1
	le := len(data)
	if i := bytes.IndexByte(data[t:], '\n'); i >= 0 {
		le = t + i
	}
	restBlank := len(bytes.Trim(data[t:le], " \t\r")) == 0
	leadBlank := len(bytes.Trim(data[ls:s], " \t")) == 0
	switch {
	case leadBlank && restBlank:
		if le < len(data) {
			le++
		}
		return ls, le
	case restBlank:
		return s, le // keep the line end: the line holds an earlier entry
	default:
		for t < len(data) && isNetrcSpace(data[t]) {
			t++
		}
		return s, t
	}
}
