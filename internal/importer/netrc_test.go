package importer

import "testing"

func TestNetrcParseAndRemove(t *testing.T) {
	in := "machine a.org login u password p\nmacdef init\ncd /tmp\n\nmachine b.org\n\tlogin v\n\tpassword q\n"
	entries := parseNetrc([]byte(in))
	if len(entries) != 2 || entries[0].machine != "a.org" || entries[1].password != "q" {
		t.Fatalf("%+v", entries)
	}
	out, err := removeNetrcEntry([]byte(in), entries[1])
	if err != nil || string(out) != "machine a.org login u password p\nmacdef init\ncd /tmp\n\n" {
		t.Fatalf("%q %v", out, err)
	}
	if _, err := removeNetrcEntry(out, entries[1]); err == nil {
		t.Fatal("removed an entry twice")
	}
}

func TestRemoveLine(t *testing.T) {
	for _, c := range []struct{ in, line, want string }{
		{"a\nb\nc\n", "b", "a\nc\n"},
		{"a\nb", "b", "a\n"},
		{"a\r\nb\r\n", "a", "b\r\n"},
	} {
		got, err := removeLine([]byte(c.in), []byte(c.line))
		if err != nil || string(got) != c.want {
			t.Errorf("removeLine(%q, %q) = %q, %v; want %q", c.in, c.line, got, err, c.want)
		}
	}
}

// TestNetrcQuotedEmptyPassword: the netrc tok exec --netrc writes for Code Ocean (an empty
// password as "") reads as Python's netrc reads it: login the token, password empty.
func TestNetrcQuotedEmptyPassword(t *testing.T) {
	in := "machine acme.codeocean.com\n  login cop_abc\n  password \"\"\nmachine b.org\n  login \"a \\\"b\\\"\"\n  password q\n"
	entries := parseNetrc([]byte(in))
	if len(entries) != 2 || entries[0].login != "cop_abc" || entries[0].password != "" || entries[1].machine != "b.org" || entries[1].login != `a "b"` {
		t.Fatalf("%+v", entries)
	}
}
