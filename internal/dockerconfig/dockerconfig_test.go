package dockerconfig

import (
	"bytes"
	"strings"
	"testing"

	"github.com/docker/cli/cli/config/configfile"
)

// docker reads data with its own configfile package.
func docker(t *testing.T, data []byte) *configfile.ConfigFile {
	t.Helper()
	c := configfile.New("config.json")
	if err := c.LoadFromReader(bytes.NewReader(data)); err != nil {
		t.Fatalf("docker cannot read %q: %v", data, err)
	}
	return c
}

func TestSetAndRemoveHelper(t *testing.T) {
	for _, in := range []string{
		"", "null", "null\n", "{}", `{"credHelpers": null}`, `{"credHelpers": {}}`,
		`{"CredHelpers": {"a.io": "x"}, "credsStore": "desktop"}`,
		`{"credHelpers": {"a.io": "x"}, "psFormat": "y", "credHelpers": {"b.io": "z"}}`,
		"{\n\t\"auths\": {},\n\t\"credHelpers\": {\n\t\t\"a.io\": \"x\"\n\t}\n}\n",
	} {
		out, changed, err := SetCredHelper([]byte(in), "ghcr.io", "tok")
		if err != nil || !changed {
			t.Fatalf("SetCredHelper(%q) = %v, %v", in, changed, err)
		}
		out, _, err = SetCredsStore(out, "tok")
		if err != nil {
			t.Fatal(err)
		}
		c := docker(t, out)
		if c.CredentialHelpers["ghcr.io"] != "tok" || c.CredentialsStore != "tok" {
			t.Errorf("%q -> %q: docker reads helpers %v, store %q", in, out, c.CredentialHelpers, c.CredentialsStore)
		}
		if again, changed, _ := SetCredHelper(out, "ghcr.io", "tok"); changed || !bytes.Equal(again, out) {
			t.Errorf("%q: a second install changed %q", in, again)
		}
		back, removed, err := RemoveHelper(out, "tok")
		if err != nil || len(removed) != 2 {
			t.Fatalf("RemoveHelper(%q) = %v, %v", out, removed, err)
		}
		c = docker(t, back)
		if c.CredentialHelpers["ghcr.io"] != "" || c.CredentialsStore == "tok" {
			t.Errorf("%q: docker still reads tok after uninstall: %q", in, back)
		}
		// What tok did not add comes back byte for byte (credsStore it replaced aside).
		if !strings.Contains(in, "credsStore") && !strings.Contains(in, "null") && in != "" && in != `{"credHelpers": {}}` && string(back) != in {
			t.Errorf("install + uninstall of %q gave %q", in, back)
		}
	}
	if _, _, err := SetCredHelper([]byte(`{"credHelpers": "x"}`), "ghcr.io", "tok"); err == nil {
		t.Error("a credHelpers string was accepted")
	}
	if _, _, err := SetCredHelper([]byte(`{"a": `), "ghcr.io", "tok"); err == nil {
		t.Error("broken JSON was accepted")
	}
}

func TestDeleteAuthEveryCopy(t *testing.T) {
	in := `{"auths": {"r.io": {"auth": "ZTox"}, "s.io": {}, "r.io": {"auth": "ZToy"}}, "AUTHS": {"r.io": {}}, "x": 1}`
	out, err := DeleteAuth([]byte(in), "r.io")
	if err != nil || string(out) != `{"auths": {"s.io": {}}, "AUTHS": {}, "x": 1}` {
		t.Fatalf("%s %v", out, err)
	}
	if HasAuth(out, "r.io") || !HasAuth([]byte(in), "r.io") {
		t.Error("HasAuth")
	}
	if _, ok := docker(t, out).AuthConfigs["r.io"]; ok {
		t.Error("docker still reads r.io")
	}
}
