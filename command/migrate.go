package command

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
	"redpool/persistence/rdb"
	"redpool/session/resp"
)

// MIGRATE moves keys to another server as Redis 7.0 does: it connects
// (or reuses a cached connection to host:port), sends AUTH if asked,
// SELECT if the connection's database is not the destination, then one
// RESTORE key ttl payload [REPLACE] per key with the DUMP payload, all in
// one write, and reads one reply line for each. Keys the target accepted
// are deleted here (unless COPY) and logged as DEL. The handler holds the
// keys' locks during the exchange, so nobody sees a key on both servers
// or on neither (Redis blocks the whole server instead).

// migrateCommands is the MIGRATE family. Each engine gets its own
// connection cache (Families builds the families afresh for each table).
func migrateCommands() []Spec {
	m := newMigrateSockets()
	return []Spec{
		{Name: "migrate", Arity: -6, Flags: Write | MovableKeys, Keys: KeySpec{3, 3, 1}, FindKeys: migrateKeys, Run: m.migrate,
			Group: "generic", Summary: "Atomically transfers a key from one Redis instance to another.", Since: "2.6.0"},
	}
}

// Limits of the connection cache, as Redis's MIGRATE_SOCKET_CACHE_ITEMS
// and MIGRATE_SOCKET_CACHE_TTL.
const (
	migrateCacheItems = 64
	migrateCacheTTL   = 10 * time.Second
	// migrateChunk is how much of the request one timed write sends.
	migrateChunk = 64 << 10
	// migrateLineMax bounds a reply line kept (Redis reads into 1024 bytes).
	migrateLineMax = 1024
)

// migrateConn is a connection to a MIGRATE target.
type migrateConn struct {
	addr    string
	conn    net.Conn
	br      *bufio.Reader
	lastDB  int64     // the database last SELECTed, -1 if unknown
	lastUse time.Time // when it was last handed back
}

// migrateSockets caches connections to MIGRATE targets by host:port. A
// connection is taken out of the cache while a MIGRATE uses it, so two
// MIGRATEs never share one. An owner goroutine runs while the cache
// holds connections: it closes those idle for migrateCacheTTL, and all of
// them when the server shuts down (the context of the sessions that
// MIGRATE ran on); it ends when the cache is empty. Safe for concurrent
// use.
type migrateSockets struct {
	mu      sync.Mutex
	conns   map[string]*migrateConn
	running bool // the owner goroutine runs
	tick    time.Duration
	// cached is INFO's migrate_cached_sockets, len(conns), in the engine's
	// counters; bound by the first MIGRATE (the family is built before
	// its engine).
	cached *atomic.Int64
}

// counted stores len(m.conns) for INFO; m.mu is held.
func (m *migrateSockets) counted() {
	if m.cached != nil {
		m.cached.Store(int64(len(m.conns)))
	}
}

func newMigrateSockets() *migrateSockets {
	return &migrateSockets{conns: make(map[string]*migrateConn), tick: time.Second}
}

// get takes the cached connection to addr out of the cache, or dials one
// within timeout.
func (m *migrateSockets) get(addr string, timeout time.Duration) (*migrateConn, error) {
	m.mu.Lock()
	mc := m.conns[addr]
	delete(m.conns, addr)
	m.counted()
	m.mu.Unlock()
	if mc != nil {
		return mc, nil
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return &migrateConn{addr: addr, conn: conn, br: bufio.NewReaderSize(conn, 4096), lastDB: -1}, nil
}

// put hands mc back to the cache (closing it if another connection to its
// address came back first, or the context is done), and starts the owner
// goroutine if needed.
func (m *migrateSockets) put(ctx context.Context, mc *migrateConn) {
	if ctx.Err() != nil {
		_ = mc.conn.Close()
		return
	}
	mc.lastUse = time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conns[mc.addr] != nil {
		_ = mc.conn.Close()
		return
	}
	if len(m.conns) >= migrateCacheItems { // drop one (map order: any), as Redis drops one at random
		for addr, old := range m.conns {
			_ = old.conn.Close()
			delete(m.conns, addr)
			break
		}
	}
	m.conns[mc.addr] = mc
	m.counted()
	if !m.running {
		m.running = true
		go m.own(ctx)
	}
}

// own is the owner goroutine: see migrateSockets.
func (m *migrateSockets) own(ctx context.Context) {
	t := time.NewTicker(m.tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			m.closeIdle(0)
		case <-t.C:
			m.closeIdle(migrateCacheTTL)
		}
		m.mu.Lock()
		if len(m.conns) == 0 {
			m.running = false
			m.mu.Unlock()
			return
		}
		m.mu.Unlock()
	}
}

// closeIdle closes the cached connections unused for ttl or more.
func (m *migrateSockets) closeIdle(ttl time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for addr, mc := range m.conns {
		if time.Since(mc.lastUse) >= ttl {
			_ = mc.conn.Close()
			delete(m.conns, addr)
		}
	}
	m.counted()
}

// migrateKeys finds MIGRATE's keys: the key argument, or the arguments
// after KEYS.
func migrateKeys(dst, args [][]byte) ([][]byte, bool, bool) {
	for j := 6; j < len(args); j++ {
		switch {
		case equalFold(args[j], "auth"):
			j++
		case equalFold(args[j], "auth2"):
			j += 2
		case equalFold(args[j], "keys"):
			return append(dst, args[j+1:]...), false, true
		}
	}
	return append(dst, args[3]), false, true
}

// migrateArgs are MIGRATE's parsed arguments.
type migrateArgs struct {
	addr               string
	db                 int64
	timeout            time.Duration
	copy, replace      bool
	username, password []byte // password nil: no AUTH
	keys               [][]byte
}

func parseMigrate(args [][]byte) (migrateArgs, error) {
	a := migrateArgs{keys: args[3:4]}
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := args[j]; {
		case equalFold(opt, "copy"):
			a.copy = true
		case equalFold(opt, "replace"):
			a.replace = true
		case equalFold(opt, "auth"):
			if more < 1 {
				return a, ErrSyntax
			}
			j++
			a.password = args[j]
		case equalFold(opt, "auth2"):
			if more < 2 {
				return a, ErrSyntax
			}
			a.username, a.password = args[j+1], args[j+2]
			j += 2
		case equalFold(opt, "keys"):
			if len(args[3]) != 0 {
				return a, ErrMigrateKeysArg
			}
			a.keys = args[j+1:]
			j = len(args)
		default:
			return a, ErrSyntax
		}
	}
	timeout, err := parseInt(args[5])
	if err != nil {
		return a, err
	}
	if a.db, err = parseInt(args[4]); err != nil {
		return a, err
	}
	if timeout <= 0 {
		timeout = 1000
	}
	a.timeout = time.Duration(min(timeout, int64(time.Duration(1<<62)/time.Millisecond))) * time.Millisecond
	a.addr = net.JoinHostPort(string(args[1]), string(args[2]))
	return a, nil
}

// migrateKey is a key to send, with its RESTORE arguments.
type migrateKey struct {
	key     []byte
	ttl     int64
	payload []byte
}

// migrate is MIGRATE host port key|"" destination-db timeout [COPY]
// [REPLACE] [AUTH password] [AUTH2 username password] [KEYS key ...].
func (m *migrateSockets) migrate(c *Ctx) error {
	m.mu.Lock()
	m.cached = &c.e.counters.migrateSockets
	m.mu.Unlock()
	a, err := parseMigrate(c.Args)
	if err != nil {
		return err
	}
	keys, err := migrateDump(c, a.keys)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		c.Simple("NOKEY")
		return nil
	}
	ctx := context.Background()
	if c.Link != nil {
		ctx = c.Link.Context()
	}
	for attempt := 0; ; attempt++ {
		mc, err := m.get(a.addr, a.timeout)
		switch {
		case err != nil && isTimeout(err):
			return ErrMigrateConnect
		case err != nil && attempt == 0:
			continue
		case err != nil:
			// Redis's connect does not wait for a refusal: its first
			// write finds it, and so does its retry.
			return ErrMigrateWrite
		}
		retry, err := m.exchange(c, ctx, mc, &a, keys, attempt == 0)
		if retry {
			continue
		}
		if err != nil {
			// Keys the target took are deleted already: reply the error
			// without failing the transaction, as Redis does.
			c.Error(err)
		}
		return nil
	}
}

// exchange sends the keys on mc and reads the replies. It returns retry
// when the connection failed before the target answered anything (a
// stale cached connection), which is worth one new attempt; mc is then
// closed. The keys the target accepted are deleted (unless COPY).
func (m *migrateSockets) exchange(c *Ctx, ctx context.Context, mc *migrateConn, a *migrateArgs, keys []migrateKey, mayRetry bool) (retry bool, err error) {
	sel := mc.lastDB != a.db
	req := migrateRequest(a, sel, c.e.clusterOn(), keys)
	if err := migrateWrite(mc.conn, req, a.timeout); err != nil {
		_ = mc.conn.Close()
		if mayRetry && !isTimeout(err) {
			return true, nil
		}
		return false, ErrMigrateWrite
	}
	var authLine, selLine []byte
	if a.password != nil {
		if authLine, err = migrateReadLine(mc, a.timeout); err != nil {
			_ = mc.conn.Close()
			return mayRetry && !isTimeout(err), ErrMigrateRead
		}
	}
	if sel {
		if selLine, err = migrateReadLine(mc, a.timeout); err != nil {
			_ = mc.conn.Close()
			return mayRetry && !isTimeout(err), ErrMigrateRead
		}
	}
	var targetErr error
	var moved [][]byte
	var sockErr error
	j := 0
	for ; j < len(keys); j++ {
		line, err := migrateReadLine(mc, a.timeout)
		if err != nil {
			sockErr = err
			break
		}
		failed := line
		switch {
		case len(authLine) > 0 && authLine[0] == '-':
			failed = authLine
		case len(selLine) > 0 && selLine[0] == '-':
			failed = selLine
		}
		if len(failed) > 0 && failed[0] == '-' {
			if targetErr == nil {
				mc.lastDB = -1
				targetErr = MigrateTargetError(string(failed[1:]))
			}
			continue
		}
		if !a.copy {
			k := keys[j].key
			if _, err := c.Tx.Delete(k); err != nil {
				return false, err
			}
			c.Touch(k)
			c.Notify(NotifyGeneric, "del", k)
			moved = append(moved, k)
		}
	}
	if len(moved) > 0 {
		c.Propagate(append([][]byte{[]byte("DEL")}, moved...)...)
	}
	if sockErr != nil {
		_ = mc.conn.Close()
		if targetErr == nil && j == 0 && mayRetry && !isTimeout(sockErr) {
			return true, nil
		}
		if targetErr != nil {
			return false, targetErr
		}
		return false, ErrMigrateRead
	}
	if targetErr != nil {
		m.put(ctx, mc)
		return false, targetErr
	}
	mc.lastDB = a.db
	m.put(ctx, mc)
	c.OK()
	return false, nil
}

// migrateDump reads the keys that exist and makes their RESTORE
// arguments: the time to live (at least 1 ms) and the DUMP payload, as
// DUMP makes it.
func migrateDump(c *Ctx, names [][]byte) ([]migrateKey, error) {
	var keys []migrateKey
	now := c.Tx.Now()
	params := dumpParams(c)
	for _, key := range names {
		t, err := c.Tx.Type(key)
		if err != nil || t == backend.TypeNone {
			if err != nil {
				return nil, err
			}
			continue
		}
		at, _, err := c.Tx.ExpireAt(key)
		if err != nil {
			return nil, err
		}
		v, err := readValue(c.Tx, key, t)
		if err != nil {
			return nil, err
		}
		payload, err := rdb.DumpPayload(v, params)
		if err != nil {
			return nil, err
		}
		var ttl int64
		if at != 0 {
			ttl = max(at-now, 1)
		}
		keys = append(keys, migrateKey{key: key, ttl: ttl, payload: payload})
	}
	return keys, nil
}

// migrateRequest encodes AUTH (if any), SELECT (if sel) and the RESTOREs
// (RESTORE-ASKING in cluster mode, as Redis sends from a cluster node: the
// target may be importing the slot).
func migrateRequest(a *migrateArgs, sel, asking bool, keys []migrateKey) []byte {
	restoreCmd := "RESTORE"
	if asking {
		restoreCmd = "RESTORE-ASKING"
	}
	var b []byte
	if a.password != nil {
		if a.username != nil {
			b = resp.AppendArrayLen(b, 3)
			b = resp.AppendBulkString(b, "AUTH")
			b = resp.AppendBulk(b, a.username)
		} else {
			b = resp.AppendArrayLen(b, 2)
			b = resp.AppendBulkString(b, "AUTH")
		}
		b = resp.AppendBulk(b, a.password)
	}
	if sel {
		b = resp.AppendArrayLen(b, 2)
		b = resp.AppendBulkString(b, "SELECT")
		b = resp.AppendBulkInt(b, a.db)
	}
	for _, k := range keys {
		n := 4
		if a.replace {
			n = 5
		}
		b = resp.AppendArrayLen(b, n)
		b = resp.AppendBulkString(b, restoreCmd)
		b = resp.AppendBulk(b, k.key)
		b = resp.AppendBulkInt(b, k.ttl)
		b = resp.AppendBulk(b, k.payload)
		if a.replace {
			b = resp.AppendBulkString(b, "REPLACE")
		}
	}
	return b
}

// migrateWrite writes req in chunks, each within timeout.
func migrateWrite(conn net.Conn, req []byte, timeout time.Duration) error {
	for len(req) > 0 {
		n := min(len(req), migrateChunk)
		if err := conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		if _, err := conn.Write(req[:n]); err != nil {
			return err
		}
		req = req[n:]
	}
	return nil
}

// migrateReadLine reads one reply line within timeout, without its
// CRLF, keeping at most migrateLineMax bytes of it. The line is valid
// until the next read.
func migrateReadLine(mc *migrateConn, timeout time.Duration) ([]byte, error) {
	if err := mc.conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	var line []byte
	for {
		part, err := mc.br.ReadSlice('\n')
		if len(line) < migrateLineMax {
			line = append(line, part[:min(len(part), migrateLineMax-len(line))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(part) == 0 || part[len(part)-1] == '\n' {
			break
		}
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if len(line) == 0 {
		return nil, errors.New("empty reply line")
	}
	return line, nil
}

// isTimeout reports whether err is a timeout (Redis does not retry those).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
