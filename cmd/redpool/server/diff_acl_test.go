package server_test

import (
	"bufio"
	"regexp"
	"slices"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// Differential tests of AUTH and ACL against a real Redis 7.0, byte for
// byte in RESP2 and RESP3, with several connections: every SETUSER rule
// and its errors, the other subcommands, NOAUTH/WRONGPASS/NOPERM, and the
// permission checks of the dispatcher, inside MULTI (queued and at EXEC),
// in scripts and for Pub/Sub channels.
//
// Two things differ by nature and are normalized before comparing: the
// single +cmd/-cmd rules that end a command description, which Redis
// lists in its hash table's order (random per run), are sorted; and ACL
// LOG's age-seconds and client-info are masked (the latter is checked on
// redpool alone). Rules are chosen so that the descriptions do not depend
// on which commands each server has.

// aclStep is one command of a transcript, on the connection named conn.
type aclStep struct {
	conn string
	args []string
	// closed: the connection is expected to be closed by the server
	// instead of answering.
	closed bool
}

// aclScript parses lines "conn command args...": words are separated by
// spaces, "double quoted" words may hold spaces, and a word of two single
// quotes is the empty string.
// A line "conn <closed>" expects the connection closed.
func aclScript(lines ...string) []aclStep {
	var out []aclStep
	for _, l := range lines {
		conn, rest, _ := strings.Cut(l, " ")
		if rest == "<closed>" {
			out = append(out, aclStep{conn: conn, closed: true})
			continue
		}
		out = append(out, aclStep{conn: conn, args: splitWords(rest)})
	}
	return out
}

func splitWords(s string) []string {
	var words []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"') + 1
			words = append(words, s[1:end])
			s = s[end+1:]
			continue
		}
		w, rest, _ := strings.Cut(s, " ")
		if w == "''" {
			w = ""
		}
		words = append(words, w)
		s = rest
	}
	return words
}

// runACLDiff runs steps against a fresh Redis and a fresh redpool per
// backend and protocol.
func runACLDiff(t *testing.T, steps []aclStep) {
	t.Helper()
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r := servertest.StartRedis(t)
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		conns := map[string]*servertest.Diff{}
		cases := 0
		for _, st := range steps {
			d := conns[st.conn]
			if d == nil {
				d = servertest.NewDiff(t, r.Addr, s.Addr, proto)
				conns[st.conn] = d
			}
			if st.closed {
				rc, pc := d.Conns()
				rc.ExpectClosed()
				pc.ExpectClosed()
				delete(conns, st.conn)
				continue
			}
			d.DoMasked(maskACL, st.args...)
			cases++
		}
		t.Logf("%d cases compared", cases)
	})
}

var (
	ageRe        = regexp.MustCompile(`(age-seconds\r\n)(\$\d+\r\n[^\r]*|,[^\r]*)\r\n`)
	clientInfoRe = regexp.MustCompile(`(client-info\r\n)\$\d+\r\nid=[^\r]*\r\n`)
	helloIDRe    = regexp.MustCompile(`(\$2\r\nid\r\n:)\d+`)
	bulkRe       = regexp.MustCompile(`\$(\d+)\r\n([^\r]*[+-]@all[^\r]*)\r\n`)
)

// maskACL normalizes what differs by nature (see the file's comment), and
// HELLO's client id.
func maskACL(raw string) string {
	raw = ageRe.ReplaceAllString(raw, "${1}<age>\r\n")
	raw = helloIDRe.ReplaceAllString(raw, "${1}0")
	raw = clientInfoRe.ReplaceAllString(raw, "${1}<client-info>\r\n")
	return bulkRe.ReplaceAllStringFunc(raw, func(m string) string {
		sub := bulkRe.FindStringSubmatch(m)
		return "$" + sub[1] + "\r\n" + sortSingleRules(sub[2]) + "\r\n"
	})
}

// sortSingleRules sorts each run of +cmd/-cmd rules in a description.
func sortSingleRules(s string) string {
	words := strings.Split(s, " ")
	single := func(w string) bool {
		w = strings.TrimSuffix(w, ")")
		return len(w) > 1 && (w[0] == '+' || w[0] == '-') && w[1] != '@'
	}
	for i := 0; i < len(words); {
		j := i
		for j < len(words) && single(words[j]) {
			j++
		}
		if j > i {
			run := words[i:j]
			closing := strings.HasSuffix(run[len(run)-1], ")")
			if closing {
				run[len(run)-1] = strings.TrimSuffix(run[len(run)-1], ")")
			}
			slices.Sort(run)
			if closing {
				run[len(run)-1] += ")"
			}
			i = j
			continue
		}
		i++
	}
	return strings.Join(words, " ")
}

// TestDiffACLSetUser compares every SETUSER rule, the description GETUSER
// and LIST give back, and every error.
func TestDiffACLSetUser(t *testing.T) {
	runACLDiff(t, aclScript(
		"a ACL SETUSER u1",
		"a ACL GETUSER u1",
		"a ACL LIST",
		"a ACL SETUSER u1 on >p1 >p2 >p1 #5e884898da28047151d0e56f8dc6292773603d0d6aa1bd2d8d04b08a8e5e0bca",
		"a ACL GETUSER u1",
		"a ACL SETUSER u1 <p2 !5e884898da28047151d0e56f8dc6292773603d0d6aa1bd2d8d04b08a8e5e0bca",
		"a ACL GETUSER u1",
		"a ACL SETUSER u1 nopass", "a ACL GETUSER u1",
		"a ACL SETUSER u1 >x resetpass", "a ACL GETUSER u1",
		"a ACL SETUSER u1 off", "a ACL GETUSER u1",
		"a ACL SETUSER u1 skip-sanitize-payload", "a ACL GETUSER u1",
		"a ACL SETUSER u1 sanitize-payload", "a ACL LIST",
		"a ACL SETUSER u1 ~a* ~b* %R~r* %W~w* %RW~rw* %R~a* ~a*", "a ACL GETUSER u1",
		"a ACL SETUSER u1 resetkeys %w~x %r~x", "a ACL GETUSER u1",
		"a ACL SETUSER u1 allkeys", "a ACL GETUSER u1",
		"a ACL SETUSER u1 resetkeys ~*", "a ACL GETUSER u1",
		"a ACL SETUSER u1 &c1 &c2* &c1", "a ACL GETUSER u1",
		"a ACL SETUSER u1 allchannels", "a ACL GETUSER u1",
		"a ACL SETUSER u1 resetchannels", "a ACL GETUSER u1",
		"a ACL SETUSER u1 &*", "a ACL GETUSER u1",
		"a ACL SETUSER u1 resetchannels +get +set -get", "a ACL GETUSER u1",
		"a ACL SETUSER u1 allcommands -get -config|set", "a ACL GETUSER u1",
		"a ACL SETUSER u1 nocommands +config|get +client|id +select|0 +select|1", "a ACL GETUSER u1",
		"a ACL SETUSER u1 +select", "a ACL GETUSER u1",
		"a ACL SETUSER u1 +@all", "a ACL GETUSER u1",
		"a ACL SETUSER u1 -@all", "a ACL GETUSER u1",
		"a ACL SETUSER u1 +@all -@all +GET", "a ACL GETUSER u1",
		"a ACL SETUSER u1 (~x +set) (%R~y &ch +get)", "a ACL GETUSER u1", "a ACL LIST",
		"a ACL SETUSER u1 \"(~z +del\" \"+incr)\"", "a ACL GETUSER u1",
		"a ACL SETUSER u1 clearselectors", "a ACL GETUSER u1",
		"a ACL SETUSER u1 reset", "a ACL GETUSER u1", "a ACL LIST",
		"a ACL SETUSER u1 '' on", "a ACL GETUSER u1",
		"a ACL SETUSER u2 ON >P ~K* +GET", "a ACL USERS", "a ACL LIST",
		// Errors: nothing changes.
		"a ACL SETUSER u2 off +nosuch", "a ACL GETUSER u2",
		"a ACL SETUSER u2 -nosuch", "a ACL SETUSER u2 +@nosuch", "a ACL SETUSER u2 -@nosuch",
		"a ACL SETUSER u2 +get|", "a ACL SETUSER u2 +config|get|x", "a ACL SETUSER u2 +config|nosuch",
		"a ACL SETUSER u2 +nosuch|x", "a ACL SETUSER u2 bogus", "a ACL SETUSER u2 %X~a", "a ACL SETUSER u2 %RR~a", "a ACL SETUSER u2 %~*", "a ACL SETUSER u2 %", "a ACL SETUSER u2 resetkeys %R %W~", "a ACL GETUSER u2",
		"a ACL SETUSER u2 allkeys ~a", "a ACL SETUSER u2 allchannels &a",
		"a ACL SETUSER u2 <notthere", "a ACL SETUSER u2 !5e884898da28047151d0e56f8dc6292773603d0d6aa1bd2d8d04b08a8e5e0bca",
		"a ACL SETUSER u2 #abc", "a ACL SETUSER u2 #5E884898DA28047151D0E56F8DC6292773603D0D6AA1BD2D8D04B08A8E5E0BCA",
		"a ACL SETUSER u2 !xyz", "a ACL SETUSER u2 (~a", "a ACL SETUSER u2 on (~a +get", "a ACL SETUSER u2 (+nosuch)",
		"a ACL SETUSER u2 (allkeys ~a)", "a ACL SETUSER \"a b\" on", "a ACL SETUSER u2 \"~a b\"",
		"a ACL GETUSER u2",
		"a ACL SETUSER", "a ACL GETUSER", "a ACL GETUSER nosuch", "a ACL GETUSER u2 x",
		// DELUSER, USERS, WHOAMI, CAT, GENPASS, HELP and the errors.
		"a ACL DELUSER default", "a ACL DELUSER u1 default", "a ACL DELUSER nosuch", "a ACL DELUSER u1 u1 nosuch",
		"a ACL USERS", "a ACL USERS x", "a ACL WHOAMI", "a ACL WHOAMI x", "a ACL DELUSER",
		"a ACL CAT", "a ACL CAT nosuch", "a ACL CAT read write", "a ACL GENPASS 0", "a ACL GENPASS -1",
		"a ACL GENPASS 4097", "a ACL GENPASS x", "a ACL GENPASS 1 2", "a ACL HELP", "a ACL NOSUCH", "a ACL",
		"a ACL LOAD", "a ACL SAVE", "a ACL LOAD x", "a ACL LIST x",
	))
}

// TestDiffACLAuth compares AUTH, HELLO AUTH, requirepass, the default
// user, NOAUTH and which commands run before authentication.
func TestDiffACLAuth(t *testing.T) {
	runACLDiff(t, aclScript(
		"a AUTH x", "a AUTH default x", "a AUTH nosuch x", "a AUTH a b c", "a AUTH",
		"a ACL SETUSER u on >pw +@all ~*", "a ACL SETUSER off >pw +@all ~*",
		"b AUTH u bad", "b AUTH u pw", "b ACL WHOAMI", "b AUTH off pw", "b ACL WHOAMI",
		"b HELLO 2 AUTH u bad", "b HELLO 2 AUTH u pw SETNAME n1", "b CLIENT GETNAME", "b ACL WHOAMI",
		"b RESET", "b ACL WHOAMI",
		"a CONFIG SET requirepass secret", "a CONFIG GET requirepass",
		"a ACL GETUSER default", "a PING",
		"c PING", "c GET x", "c ACL WHOAMI", "c MULTI", "c HELLO", "c HELLO 2", "c HELLO 3 SETNAME n2",
		"c HELLO 2 AUTH default bad", "c AUTH bad", "c AUTH secret", "c PING", "c CLIENT GETNAME",
		"c RESET", "c PING", "c HELLO 2 AUTH default secret", "c PING",
		"d QUIT", "d <closed>",
		"e NOSUCH", "e GET", "e AUTH default secret", "e ACL WHOAMI",
		"a CONFIG SET requirepass ''", "a ACL GETUSER default",
		"f PING", "f AUTH x", "f AUTH default anything",
		"a ACL SETUSER default off", "g PING", "g AUTH default x", "a ACL SETUSER default on",
		"a ACL SETUSER default resetpass", "h PING", "h HELLO 2", "a ACL SETUSER default nopass", "h PING",
	))
}

// TestDiffACLPermissions compares the dispatcher's checks: commands,
// subcommands and first arguments, keys (read, write, both) found by the
// key-finding functions, channels, selectors, categories, DRYRUN, the
// ACL LOG entries, and permissions changed under connected clients.
func TestDiffACLPermissions(t *testing.T) {
	runACLDiff(t, aclScript(
		"a SET r1 v", "a SET w1 v", "a RPUSH l1 a", "a SET k1 v",
		"a ACL SETUSER u on nopass -@all +get +set +incr +lpush +rpush +mget +del +exists +config|get +select|0 +client|getname ~k* %R~r* %W~w*",
		"b AUTH u x",
		"b GET k1", "b GET r1", "b GET w1", "b GET x", "b SET k1 1", "b SET w1 1", "b SET r1 1",
		"b INCR k1", "b INCR w1", "b LPUSH w2 a", "b LPUSH r2 a", "b MGET k1 r1", "b MGET k1 x", "b DEL w1 k1",
		"b EXISTS x", "b HGET k1 f", "b CONFIG GET x", "b CONFIG SET x y", "b CONFIG NOSUCH",
		"b SELECT 0", "b SELECT 1", "b CLIENT GETNAME", "b CLIENT LIST", "b PING",
		"a ACL LOG", "a ACL LOG 2", "a ACL LOG 0", "a ACL LOG -1", "a ACL LOG x", "a ACL LOG 1 2",
		"a ACL LOG RESET", "a ACL LOG",
		// Categories.
		"a ACL SETUSER c on nopass -@all +@read allkeys",
		"c AUTH c x", "c GET k1", "c SET k1 1", "c LRANGE l1 0 -1", "c DBSIZE", "c KEYS *", "c SCAN 0",
		"a ACL SETUSER c -@all +@string +@keyspace -@dangerous", "c GET k1", "c SET k1 1", "c KEYS *", "c DEL k1", "c LPUSH l1 x", "c FLUSHALL",
		"a ACL SETUSER c +@all -@admin", "c CONFIG GET x", "c GET k1", "c SLOWLOG LEN",
		// Selectors: any one may allow the command.
		"a ACL SETUSER s on nopass -@all +get ~g* (~x* +set) (%R~r* +@all)",
		"d AUTH s x", "d GET g1", "d GET x1", "d SET x1 1", "d SET g1 1", "d GET r1", "d SET r1 1", "d MGET g1 x1", "d MGET g1 r1",
		// DRYRUN.
		"a ACL DRYRUN s get g1", "a ACL DRYRUN s get x1", "a ACL DRYRUN s set g1 1", "a ACL DRYRUN s set x1 1",
		"a ACL DRYRUN u config get x", "a ACL DRYRUN u config set x y", "a ACL DRYRUN u publish ch m",
		"a ACL DRYRUN nosuch get x", "a ACL DRYRUN u nosuch", "a ACL DRYRUN u config nosuch", "a ACL DRYRUN u get",
		"a ACL DRYRUN u",
		// Changes reach connected clients at their next command.
		"a ACL SETUSER u -get", "b GET k1", "a ACL SETUSER u +get resetkeys", "b GET k1", "a ACL SETUSER u ~*", "b GET k1",
		"a ACL SETUSER u off", "b GET k1", "e AUTH u x",
		// Deleting a user disconnects its clients.
		"a ACL DELUSER u", "b <closed>",
		"a ACL SETUSER v on nopass +@all ~*", "f AUTH v x", "f ACL DELUSER v", "f <closed>",
		"a CLIENT KILL USER nosuch", "a ACL USERS",
		"a ACL LOG 3",
		"a CONFIG GET acllog-max-len", "a CONFIG SET acllog-max-len 2", "a ACL LOG", "a CONFIG SET acllog-max-len x",
		"a ACL SETUSER k on nopass +@all ~*", "g AUTH k x", "h AUTH k x", "a CLIENT KILL USER k", "g <closed>", "h <closed>",
	))
}

// TestDiffACLMulti compares the checks of queued commands: at queueing
// (the transaction is doomed) and again at EXEC, when the permissions
// changed in between (the command's slot in EXEC's array is an error).
func TestDiffACLMulti(t *testing.T) {
	runACLDiff(t, aclScript(
		"a ACL SETUSER m on nopass ~k* +@all &chan",
		"b AUTH m x",
		"b MULTI", "b GET k1", "b GET x", "b SET k 1", "b EXEC",
		"b MULTI", "b GET k1", "b PUBLISH chan x", "b SET k2 v",
		"a ACL SETUSER m resetkeys", "b EXEC",
		"a ACL SETUSER m ~*", "b MULTI", "b PUBLISH chan x", "b GET k", "b INCR k",
		"a ACL SETUSER m resetchannels -incr", "b EXEC",
		"a ACL SETUSER m -multi", "b MULTI",
		"a ACL SETUSER m +multi -exec", "b MULTI", "b PING", "b EXEC", "b DISCARD",
		"a ACL LOG 4",
	))
}

// TestDiffACLScripts compares redis.call and redis.pcall denied by the
// ACL, and the log entries.
func TestDiffACLScripts(t *testing.T) {
	runACLDiff(t, aclScript(
		"a SET k1 v", "a SET x v",
		"a ACL SETUSER s on nopass ~k* +@all -set &ch",
		"b AUTH s x",
		"b EVAL \"return redis.call('get','k1')\" 0",
		"b EVAL \"return redis.call('get','x')\" 0",
		"b EVAL \"return redis.pcall('get','x')\" 0",
		"b EVAL \"return redis.call('set','k1','1')\" 0",
		"b EVAL \"return redis.pcall('set','k1','1')\" 0",
		"b EVAL \"return redis.call('publish','x','y')\" 0",
		"b EVAL \"return redis.call('publish','ch','y')\" 0",
		"b EVAL \"return redis.call('get',KEYS[1])\" 1 x",
		"a ACL SETUSER s -eval", "b EVAL \"return 1\" 0",
		"a ACL LOG 3",
	))
}

// TestDiffACLPubSub compares the channel checks of SUBSCRIBE, PSUBSCRIBE
// (patterns matched literally) and PUBLISH.
func TestDiffACLPubSub(t *testing.T) {
	runACLDiff(t, aclScript(
		"a ACL SETUSER p on nopass +@all ~* resetchannels &foo &f* &bar?",
		"b AUTH p x",
		"b PUBLISH foo m", "b PUBLISH fox m", "b PUBLISH barx m", "b PUBLISH other m",
		"b SUBSCRIBE foo fab", "b SUBSCRIBE other", "b PSUBSCRIBE fo*", "b PSUBSCRIBE f*", "b PSUBSCRIBE bar?",
		"b UNSUBSCRIBE other", "b PUNSUBSCRIBE x*",
		"c AUTH p x", "c SSUBSCRIBE foo", "c SSUBSCRIBE other", "c SPUBLISH other m",
		"a ACL DRYRUN p publish other m", "a ACL DRYRUN p subscribe foo other", "a ACL DRYRUN p psubscribe fo*",
		"a ACL LOG 2",
		// Subscribers lose the connection when their channels are revoked;
		// added channels, or patterns still allowed, keep it.
		"d AUTH p x", "d SUBSCRIBE foo", "e AUTH p x", "e PSUBSCRIBE bar?",
		"a ACL SETUSER p &more", "d PING", "e PING",
		"a ACL SETUSER p resetchannels &bar? &more", "d <closed>", "e PING",
		"a ACL SETUSER p resetchannels &bar*", "e <closed>",
	))
}

// TestDiffCommandInfoACLCategories walks the whole command table and
// compares COMMAND INFO's ACL categories, and ACL CAT's membership, with
// Redis for every command and subcommand both know.
func TestDiffCommandInfoACLCategories(t *testing.T) {
	r := servertest.StartRedis(t)
	s := servertest.Start(t)
	want := commandCategories(t, servertest.Dial(t, r.Addr).Do("COMMAND"))
	got := commandCategories(t, servertest.Dial(t, s.Addr).Do("COMMAND"))
	compared := 0
	for name, cats := range got {
		w, ok := want[name]
		if !ok {
			continue // a redpool extension
		}
		compared++
		if !slices.Equal(cats, w) {
			t.Errorf("%s: categories %v, Redis %v", name, cats, w)
		}
	}
	if compared < 200 {
		t.Errorf("only %d commands compared", compared)
	}
	t.Logf("%d commands compared", compared)
	rc, pc := servertest.Dial(t, r.Addr), servertest.Dial(t, s.Addr)
	for _, cat := range strings.Fields("keyspace read write set sortedset list hash string bitmap hyperloglog geo stream pubsub admin fast slow blocking dangerous connection transaction scripting") {
		w := elements(t, rc.Do("ACL", "CAT", cat))
		for _, name := range elements(t, pc.Do("ACL", "CAT", cat)) {
			if _, known := want[name]; known && !slices.Contains(w, name) {
				t.Errorf("ACL CAT %s lists %s; Redis does not", cat, name)
			}
		}
		for _, name := range w {
			if _, known := got[name]; known && !slices.Contains(got[name], "@"+cat) {
				t.Errorf("ACL CAT %s: Redis lists %s; redpool does not", cat, name)
			}
		}
	}
}

// commandCategories maps every command and subcommand of a COMMAND reply
// to its ACL categories.
func commandCategories(t *testing.T, raw string) map[string][]string {
	t.Helper()
	v, err := resp.ReadReply(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var walk func(e resp.Value)
	walk = func(e resp.Value) {
		var cats []string
		for _, c := range e.Array[6].Array {
			cats = append(cats, string(c.Str))
		}
		out[string(e.Array[0].Str)] = cats
		for _, sub := range e.Array[9].Array {
			walk(sub)
		}
	}
	for _, e := range v.Array {
		walk(e)
	}
	return out
}

func elements(t *testing.T, raw string) []string {
	t.Helper()
	v, err := resp.ReadReply(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range v.Array {
		out = append(out, string(e.Str))
	}
	return out
}
