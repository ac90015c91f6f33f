package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse reads arbitrary files as config.toml: Parse never panics; a
// file it refuses gets an *Error whose every problem names its key (or
// is the one TOML syntax error, with its line), and whose text shows that
// key; a file it accepts is valid, and encodes (Encode) to a file that
// parses to the same Config. Seeds: the shipped config.toml, and
// testdata/fuzz.
func FuzzParse(f *testing.F) {
	shipped, err := os.ReadFile(filepath.Join("..", "..", "..", "config.toml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(shipped))
	for _, s := range []string{
		"", "port = 7000\n[persistence]\nmode = \"aof\"\n[persistence.aof]\nfsync = \"always\"\n",
		"maxmemory = \"100mb\"\nmaxmemory_policy = \"allkeys-lru\"\n",
		"[persistence.snapshot]\nsave = [[3600, 1], [300, 100]]\n",
		"[persistence.snapshot]\nsave = [[3600], \"x\"]\n",
		"[[acl.user]]\nname = \"alice\"\nrules = \"on >secret ~cache:* +@read\"\n",
		"[[acl.user]]\nname = \"a b\"\nrules = \"+nosuchcommand\"\nextra = 1\n",
		"[client_output_buffer_limit.pubsub]\nhard = \"32mb\"\nsoft = \"8mb\"\nsoft_seconds = 60\n",
		"timeout = \"-5s\"\nthreads = 99999\nbind = 5\nnope = 1\n[bolt]\nsync = \"sometimes\"\n",
		"a.b.c = 1\n[persistence.aof.x]\n", "port = 99999999999999999999\n", "x = [\n",
		"notify_keyspace_events = \"KEA\"\nproto_max_bulk_len = \"1gb\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse([]byte(data), "f.toml")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error %v (%T) is not an *Error with problems", err, err)
			}
			text := err.Error()
			for _, p := range ce.Problems {
				if p.Key == "" {
					if len(ce.Problems) != 1 || p.Line < 1 {
						t.Fatalf("a problem without a key that is not the one syntax error: %+v", ce.Problems)
					}
					continue
				}
				if !strings.Contains(text, p.Key) {
					t.Fatalf("the text does not name %q:\n%s", p.Key, text)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted an invalid config: %v", err)
		}
		enc, err := Encode(c)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		again, err := Parse(enc, "encoded.toml")
		if err != nil {
			t.Fatalf("the encoded config does not parse: %v\n%s", err, enc)
		}
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("Encode and Parse changed the config:\n%+v\n%+v\n%s", c, again, enc)
		}
	})
}
