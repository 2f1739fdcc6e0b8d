package mask

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/url"
	"strings"
	"testing"
)

const (
	cave  = "0123456789abcdef0123456789abcdef"
	weird = "Zm9v+/bar?=&x y\xff\xfe~tok" // base64 std and URL alphabets differ; needs URL escaping
)

var secrets = []Secret{{"CAVE_TOKEN", cave}, {"WEIRD", weird}}

func masked(t *testing.T, chunks ...string) string {
	t.Helper()
	var out bytes.Buffer
	w := NewWriter(&out, secrets)
	for _, c := range chunks {
		if n, err := w.Write([]byte(c)); err != nil || n != len(c) {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func leaks(s string) bool {
	for _, sec := range secrets {
		for _, p := range Patterns(sec.Value) {
			if strings.Contains(s, p) {
				return true
			}
		}
	}
	return strings.Contains(s, "0123456789abcdef")
}

func TestMasksWholeSecret(t *testing.T) {
	got := masked(t, "token="+cave+"\nweird: "+weird+" end\n")
	if got != "token=<tok:CAVE_TOKEN>\nweird: <tok:WEIRD> end\n" {
		t.Errorf("got %q", got)
	}
}

func TestMasksSecretSplitAcrossWrites(t *testing.T) {
	text := "before " + cave + " middle " + weird + " after"
	for i := 0; i <= len(text); i++ {
		got := masked(t, text[:i], text[i:])
		if got != "before <tok:CAVE_TOKEN> middle <tok:WEIRD> after" {
			t.Fatalf("split at %d: %q", i, got)
		}
	}
	// One byte at a time.
	var chunks []string
	for i := range len(text) {
		chunks = append(chunks, text[i:i+1])
	}
	if got := masked(t, chunks...); leaks(got) || !strings.Contains(got, "<tok:CAVE_TOKEN>") {
		t.Errorf("byte by byte: %q", got)
	}
}

func TestMasksBase64AtEveryAlignment(t *testing.T) {
	for _, sec := range secrets {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			for align := 0; align < 3; align++ {
				for tail := 0; tail < 3; tail++ {
					plain := strings.Repeat("u", align) + sec.Value + strings.Repeat("v", tail)
					encoded := enc.EncodeToString([]byte(plain))
					got := masked(t, "Authorization: Basic "+encoded+"\n")
					if !strings.Contains(got, "<tok:"+sec.Name+">") {
						t.Errorf("%s align %d tail %d: %q not masked: %q", sec.Name, align, tail, encoded, got)
					}
					// What is left may not decode to the secret's bytes.
					if rest := strings.TrimPrefix(strings.TrimSuffix(got, "\n"), "Authorization: Basic "); strings.Contains(rest, sec.Value[:4]) {
						t.Errorf("left %q", rest)
					}
				}
			}
		}
	}
	// A Basic header of user:secret, as curl -v would print it.
	hdr := base64.StdEncoding.EncodeToString([]byte("token:" + cave))
	if got := masked(t, hdr); !strings.Contains(got, "<tok:CAVE_TOKEN>") {
		t.Errorf("Basic header: %q", got)
	}
}

func TestMasksURLEncoded(t *testing.T) {
	for _, enc := range []string{url.QueryEscape(weird), url.PathEscape(weird)} {
		got := masked(t, "GET /x?token="+enc+"&y=1\n")
		if got != "GET /x?token=<tok:WEIRD>&y=1\n" {
			t.Errorf("%q: %q", enc, got)
		}
	}
}

func TestKeepsColourAndPassesOtherTextAtOnce(t *testing.T) {
	got := masked(t, "\x1b[31mred "+cave+"\x1b[0m\n")
	if got != "\x1b[31mred <tok:CAVE_TOKEN>\x1b[0m\n" {
		t.Errorf("got %q", got)
	}
	// Text that cannot start a secret is written at once, not held: a prompt shows.
	var out bytes.Buffer
	w := NewWriter(&out, secrets)
	w.Write([]byte("Password: "))
	if out.String() != "Password: " {
		t.Errorf("held %q", out.String())
	}
	// A possible start is held until it turns out not to be a secret.
	w.Write([]byte("0123"))
	if out.String() != "Password: " {
		t.Errorf("wrote a possible secret's start: %q", out.String())
	}
	w.Write([]byte("x\n"))
	if out.String() != "Password: 0123x\n" {
		t.Errorf("got %q", out.String())
	}
}

// TestHeldTextThatIsNoSecret: a held start that turns out to be ordinary text comes out
// unchanged, also when the next write ends in another possible start.
func TestHeldTextThatIsNoSecret(t *testing.T) {
	for _, chunks := range [][]string{
		{"01", "x 0123", "4 done"},
		{"a 0", "12 ", "Zm9", "v z"},
		{"0123456789abcdef0123456789abcde", "X"},
	} {
		if got, want := masked(t, chunks...), strings.Join(chunks, ""); got != want {
			t.Errorf("%q: got %q", chunks, got)
		}
	}
}

func TestShortSecretsAreNotMasked(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, []Secret{{"X", "ab"}})
	w.Write([]byte("abc"))
	w.Flush()
	if out.String() != "abc" {
		t.Errorf("got %q", out.String())
	}
}

// TestMemoryDoesNotGrowWithOutput writes 64 MiB and checks what the writer keeps is bounded by
// one write plus the longest pattern.
func TestMemoryDoesNotGrowWithOutput(t *testing.T) {
	w := NewWriter(io.Discard, secrets)
	chunk := bytes.Repeat([]byte("0123456789abcde "+cave[:20]), 64*1024/36)
	for range 64 << 20 / len(chunk) {
		w.Write(chunk)
	}
	if c := cap(w.buf) + cap(w.out); c > 4*(len(chunk)+w.maxLen) {
		t.Errorf("the writer keeps %d bytes after 64 MiB in %d-byte writes", c, len(chunk))
	}
}

func BenchmarkMask(b *testing.B) {
	chunk := bytes.Repeat([]byte("INFO 2026-11-29 processing segment 864691135 with token prefix 01234 ok\n"), 128*1024/72)
	w := NewWriter(io.Discard, secrets)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		w.Write(chunk)
	}
}

func FuzzMaskNeverLeaks(f *testing.F) {
	f.Add("abc", 3, 1)
	f.Fuzz(func(t *testing.T, around string, split int, align int) {
		text := around + cave + around + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", align&3)+cave)) + around
		if split < 0 || split > len(text) {
			split = len(text) / 2
		}
		if got := masked(t, text[:split], text[split:]); strings.Contains(got, cave) {
			t.Errorf("leaked: %q", got)
		}
	})
}
