package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestACLKeys: requirepass, [acl] file and [[acl.user]] tables decode,
// encode back, and are checked strictly.
func TestACLKeys(t *testing.T) {
	c, err := Parse([]byte(`requirepass = "pw"
[[acl.user]]
name = "alice"
rules = "on >secret ~cache:* +@read"
[[acl.user]]
name = "bob"
rules = "off"
`), "x.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := ACLUsers{{Name: "alice", Rules: "on >secret ~cache:* +@read"}, {Name: "bob", Rules: "off"}}
	if c.RequirePass != "pw" || !reflect.DeepEqual(c.ACL.Users, want) {
		t.Fatalf("got %q %+v", c.RequirePass, c.ACL.Users)
	}
	data, err := Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data, "encoded.toml")
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("Encode/Parse: %v\n%s", err, data)
	}
	for src, problem := range map[string]string{
		"[[acl.user]]\nname = \"a\"\nrules = 1\n":                  "acl.user: user 1: rules must be a string",
		"[[acl.user]]\nname = \"a b\"\n":                           `acl.user: user 1: name "a b" must be non-empty, without spaces`,
		"[[acl.user]]\nname = \"a\"\n[[acl.user]]\nname = \"a\"\n": `acl.user: user 2: "a" is defined twice`,
		"[[acl.user]]\nname = \"a\"\nrules = \"~x allkeys ~y\"\n":  `acl.user: user 1 (a): rule "~y": Adding a pattern after the * pattern`,
		"[acl]\nuser = 3\n":                                        "acl.user: want [[acl.user]] tables with name and rules",
		"[acl]\nfiles = \"x\"\n":                                   `unknown key "acl.files"`,
	} {
		_, err := Parse([]byte(src), "x.toml")
		if err == nil || !strings.Contains(err.Error(), problem) {
			t.Errorf("%q: %v, want %q", src, err, problem)
		}
	}
}
