// Package server assembles a redpool server from a config: the backend, the
// persistence layer, the command engine and the client pool. main uses it,
// and so do tests that need whole servers in one process.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/command"
	"redpool/persistence/fsutil"
	"redpool/pool"
	"redpool/session"
)

// Options are the dependencies a Server takes besides its config.
type Options struct {
	Logger *slog.Logger  // nil: discard
	Clock  backend.Clock // nil: the system clock
	// ConfigFile is reported by INFO and CONFIG GET; may be empty.
	ConfigFile string
	// FDLimit is the open-file limit max_clients must fit under (nil: the
	// process's RLIMIT_NOFILE); see pool.Options.
	FDLimit pool.FDLimit
	// TLSHandshakeTimeout bounds a TLS client's handshake (0: 10s).
	TLSHandshakeTimeout time.Duration
}

// Server is one running redpool. Safe for concurrent use.
type Server struct {
	cfg config.Config
	// configFile is the file cfg came from ("" if none): CONFIG REWRITE
	// writes the running configuration back into it, under rewriteMu.
	configFile string
	rewriteMu  sync.Mutex
	// followOnce starts replication (replicaof) at the first Serve.
	followOnce sync.Once
	logger     *slog.Logger
	backend    backend.Backend
	engine     *command.Engine
	pool       *pool.Server
	settings   *session.Settings
	tls        *tlsServer
	memReturn  *ticking // hands freed memory back to the OS (memreturn.go)
	idleCheck  *ticking // closes clients idle past the timeout (CloseIdleClients)

	clock   backend.Clock
	persist persistence
	// expiryTo is the engine that hears of expired keys (keyspace
	// events): nil until the engine exists, so that keys expiring while
	// the data loads go unreported, as in Redis.
	expiryTo atomic.Pointer[command.Engine]
	// dirLocks keep other redpools out of the directories the server
	// writes in (cfg.WriteDirs; none when it writes nothing); closeStorage
	// releases them last.
	dirLocks []*fsutil.DirLock
	// metrics serves /metrics when metrics.listen is set (nil otherwise).
	metrics *metrics
	// durability measures acknowledged-but-not-durable windows.
	durability *command.Durability

	stopReq  chan struct{} // closed by SHUTDOWN
	stopOnce sync.Once
	shutOnce sync.Once
	shutErr  error
	mu       sync.Mutex
	ln       net.Listener
	// shutdownSave is SHUTDOWN's SAVE/NOSAVE choice (nil: as configured).
	shutdownSave *bool
}

// New opens the backend, loads persisted data and builds the server. The
// caller must call Shutdown (even if Serve is never called).
func New(cfg config.Config, o Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = backend.SystemClock{}
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("dir %q: %w", cfg.Dir, err)
	}
	s := &Server{cfg: cfg, configFile: o.ConfigFile, logger: o.Logger, clock: o.Clock, stopReq: make(chan struct{})}
	tlsSrv, err := newTLSServer(cfg.TLS, o.Logger, o.TLSHandshakeTimeout)
	if err != nil {
		return nil, err
	}
	s.tls = tlsSrv
	s.settings = session.NewSettings(time.Duration(cfg.Timeout), int64(cfg.ProtoMaxBulkLen))
	s.settings.SetProtectedMode(cfg.ProtectedMode)
	s.settings.SetMaxQueryBuf(int64(cfg.ClientQueryBufferLimit))

	for _, dir := range cfg.WriteDirs() {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, errors.Join(fmt.Errorf("dir %q: %w", dir, err), s.unlockDirs())
		}
		lock, err := fsutil.LockDir(dir)
		if err != nil {
			return nil, errors.Join(err, s.unlockDirs())
		}
		s.dirLocks = append(s.dirLocks, lock)
	}
	s.durability = newDurability(cfg, o.Clock)
	hooks := storageHooks{onExpire: s.keyExpired, durability: s.durability}
	if cfg.Metrics.Listen != "" {
		s.metrics = newMetrics()
		hooks.onFsync, hooks.onCommit = s.metrics.observeFsync, s.metrics.observeCommit
	}
	b, err := openBackend(cfg, o.Clock, o.Logger, hooks)
	if err != nil {
		return nil, errors.Join(err, s.unlockDirs())
	}
	s.backend = b
	pers, err := openPersistence(cfg, b, o.Clock, o.Logger, hooks)
	if err != nil {
		return nil, errors.Join(err, b.Close(), s.unlockDirs())
	}
	s.persist = pers

	params := command.NewParams()
	events, _ := command.ParseNotifyClasses(cfg.NotifyKeyspaceEvents) // validated
	limits := outputLimits(cfg.OutputBufferLimit)
	opts := command.Options{
		Backend:      b,
		Clock:        o.Clock,
		Logger:       o.Logger,
		Params:       params,
		Shutdown:     s.requestShutdown,
		Rewrite:      s.rewriteConfig,
		NotifyEvents: events,
		OutputLimits: &limits,
		Durability:   s.durability,
		Reloader:     newReloadFiles(cfg, pers, o.Clock),
	}
	opts.ACL = aclOptions(cfg)
	opts.Cluster = clusterOptions(cfg.Cluster)
	if pers != nil {
		opts.Log = pers.Log()
		opts.Persister = pers
	}
	eng, err := command.NewEngine(opts)
	if err != nil {
		_ = s.closeStorage(context.Background())
		return nil, err
	}
	s.engine = eng
	if err := applyMaxMemory(params, cfg); err != nil {
		_ = s.closeStorage(context.Background())
		return nil, err
	}
	if pers != nil {
		if err := pers.Start(eng); err != nil {
			_ = s.closeStorage(context.Background())
			return nil, err
		}
	}
	if err := eng.LoadStoredFunctions(); err != nil {
		_ = s.closeStorage(context.Background())
		return nil, err
	}
	p, err := pool.New(pool.Options{MaxClients: cfg.MaxClients, Engine: eng, Settings: s.settings, Logger: o.Logger, FDLimit: o.FDLimit})
	if err != nil {
		_ = s.closeStorage(context.Background())
		return nil, err
	}
	s.pool = p
	s.registerParams(params, o.ConfigFile)
	s.expiryTo.Store(eng)
	if s.metrics != nil {
		if err := s.metrics.start(cfg.Metrics.Listen, s); err != nil {
			_ = s.pool.Shutdown(context.Background())
			_ = s.closeStorage(context.Background())
			return nil, fmt.Errorf("metrics.listen: %w", err)
		}
	}
	if cfg.GCIdleRelease {
		s.memReturn = startTicking(returnTick, memReturn(b, s.settings, s.logger))
	}
	// As Redis's clientsCron, for clients that began waiting before the
	// timeout was set or shortened: the sessions' deadlines do the rest.
	s.idleCheck = startTicking(time.Second, func() {
		if d := s.settings.IdleTimeout(); d > 0 {
			eng.CloseIdleClients(d)
		}
	})
	return s, nil
}

// keyExpired is the backend's ExpireFunc: it passes the expiry on to the
// engine once there is one.
func (s *Server) keyExpired(db int, key []byte) {
	if eng := s.expiryTo.Load(); eng != nil {
		eng.KeyExpired(db, key)
	}
}

// closeStorage closes persistence (saving as configured) and the backend,
// then releases the data directory.
func (s *Server) closeStorage(ctx context.Context) error {
	var err error
	if s.persist != nil {
		err = s.persist.Close(ctx, s.saveOnShutdown())
	}
	return errors.Join(err, s.backend.Close(), s.unlockDirs())
}

// unlockDirs releases the locks of the directories the server writes in.
func (s *Server) unlockDirs() error {
	var err error
	for _, lock := range s.dirLocks {
		err = errors.Join(err, lock.Unlock())
	}
	s.dirLocks = nil
	return err
}

// saveOnShutdown is what SHUTDOWN asked for: nil means as configured.
func (s *Server) saveOnShutdown() *bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdownSave
}

// Engine returns the command engine (tests use it).
func (s *Server) Engine() *command.Engine { return s.engine }

// Backend returns the backend.
func (s *Server) Backend() backend.Backend { return s.backend }

// ListenAndServe listens on the configured addresses and serves until
// Shutdown, returning pool.ErrServerClosed then.
func (s *Server) ListenAndServe() error {
	lns, err := s.Listen()
	if err != nil {
		return err
	}
	return s.ServeListeners(lns)
}

// Listeners are the sockets a server listens on. Plain is nil when port
// is 0 and tls.port is set (TLS only, as Redis); TLS is nil when tls.port
// is 0.
type Listeners struct {
	Plain, TLS net.Listener
}

// Listen opens the configured addresses: port (0 picks a free port,
// unless TLS is on) and tls.port.
func (s *Server) Listen() (Listeners, error) {
	var lns Listeners
	if s.cfg.Port != 0 || !s.cfg.TLS.On() {
		ln, err := net.Listen("tcp", s.cfg.Addr())
		if err != nil {
			return lns, fmt.Errorf("listen on %s: %w", s.cfg.Addr(), err)
		}
		lns.Plain = ln
	}
	if s.cfg.TLS.On() {
		addr := net.JoinHostPort(s.cfg.Bind, strconv.Itoa(s.cfg.TLS.Port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			if lns.Plain != nil {
				err = errors.Join(err, lns.Plain.Close())
			}
			return Listeners{}, fmt.Errorf("listen on %s (tls.port): %w", addr, err)
		}
		lns.TLS = ln
	}
	return lns, nil
}

// ServeListeners serves lns.Plain (Serve) and lns.TLS (ServeTLS), each
// that is set, until Shutdown, and returns pool.ErrServerClosed then. If
// one fails otherwise it returns that error at once; the other goes on
// until Shutdown, which the caller must call.
func (s *Server) ServeListeners(lns Listeners) error {
	errc := make(chan error, 2) // buffered: a loop that ends later never blocks
	n := 0
	if lns.Plain != nil {
		n++
		go func() { errc <- s.Serve(lns.Plain) }()
	}
	if lns.TLS != nil {
		n++
		go func() { errc <- s.ServeTLS(lns.TLS) }()
	}
	for range n {
		if err := <-errc; !errors.Is(err, pool.ErrServerClosed) {
			return err
		}
	}
	return pool.ErrServerClosed
}

// Serve serves clients on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	s.logger.Info("ready to accept connections", "addr", ln.Addr().String(), "backend", s.cfg.Backend.String(), "persistence", s.cfg.PersistMode().String())
	s.startReplication(ln, true)
	return s.pool.Serve(ln)
}

// startReplication follows the primary of replicaof at the first Serve or
// ServeTLS, announcing the port it serves on (the plain one when both).
func (s *Server) startReplication(ln net.Listener, plain bool) {
	if a, ok := ln.Addr().(*net.TCPAddr); ok && (plain || s.cfg.Port == 0) {
		s.engine.SetListenPort(a.Port)
	}
	s.followOnce.Do(func() {
		if host, port, ok := s.cfg.ReplicaOfAddr(); ok {
			s.engine.ReplicaOf(host, port)
		} else if host, port := s.engine.ClusterReplicaOf(); host != "" {
			s.engine.ReplicaOf(host, port) // a replica in the slot map follows its primary
		}
	})
}

// ServeTLS serves TLS clients on ln until Shutdown, under the same client
// limit as Serve. TLS must be on (tls.port set); ln need not be on
// tls.port. Each client's handshake runs in its worker (see tlsConn).
func (s *Server) ServeTLS(ln net.Listener) error {
	if !s.cfg.TLS.On() {
		return errors.Join(errors.New("server: TLS is off (tls.port = 0)"), ln.Close())
	}
	s.logger.Info("ready to accept TLS connections", "addr", ln.Addr().String(), "auth_clients", s.tls.settings().AuthClients.String())
	s.startReplication(ln, false)
	return s.pool.Serve(s.tls.listener(ln))
}

// Addr is the address Serve listens on, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// MetricsAddr is where GET /metrics is served, or nil without
// metrics.listen.
func (s *Server) MetricsAddr() net.Addr { return s.metrics.addr() }

// ShutdownRequested is closed when a client sends SHUTDOWN.
func (s *Server) ShutdownRequested() <-chan struct{} { return s.stopReq }

func (s *Server) requestShutdown(save *bool) error {
	if s.persist != nil {
		if err := s.persist.PrepareShutdown(save); err != nil {
			s.logger.Error("SHUTDOWN refused: cannot save", "err", err)
			return err
		}
	}
	s.mu.Lock()
	s.shutdownSave = save
	s.mu.Unlock()
	s.stopOnce.Do(func() { close(s.stopReq) })
	return nil
}

// Shutdown stops the server gracefully: the pool first (sessions finish their
// command), then persistence, then the backend. Idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(func() {
		err := s.pool.Shutdown(ctx)
		if errors.Is(err, pool.ErrServerClosed) {
			err = nil
		}
		s.engine.StopReplication()
		s.memReturn.stop()
		s.idleCheck.stop()
		s.shutErr = errors.Join(err, s.metrics.shutdown(ctx), s.closeStorage(ctx))
	})
	return s.shutErr
}

// registerParams exposes the settings under their Redis names for CONFIG.
func (s *Server) registerParams(p *command.Params, configFile string) {
	cfg := s.cfg
	fixed := func(name, v string) { p.Register(command.Param{Name: name, Get: func() string { return v }}) }
	// Redis 7 refuses these as protected configs rather than immutable.
	protected := func(name, v string) {
		p.Register(command.Param{Name: name, Get: func() string { return v }, Protected: true})
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		dir = cfg.Dir
	}
	fixed("bind", cfg.Bind)
	fixed("port", strconv.Itoa(cfg.Port))
	fixed("databases", strconv.Itoa(cfg.Databases))
	protected("dir", dir)
	fixed("config-file", configFile)
	fixed("appendonly", yesNo(cfg.PersistMode() == config.ModeAOF))
	fixed("appendfsync", cfg.Persistence.AOF.Fsync.String())
	fixed("appendfilename", cfg.Persistence.AOF.File)
	protected("dbfilename", cfg.Persistence.Snapshot.File)
	fixed("auto-aof-rewrite-percentage", strconv.Itoa(cfg.Persistence.AOF.RewritePercentage))
	fixed("auto-aof-rewrite-min-size", cfg.Persistence.AOF.RewriteMinSize.String())
	fixed("save", saveString(cfg))
	fixed("enable-debug-command", cfg.DebugCommand.String())
	for name, v := range map[string]string{
		"masterauth": cfg.MasterAuth, "masteruser": cfg.MasterUser,
		"repl-backlog-size": strconv.FormatInt(int64(cfg.ReplBacklogSize), 10),
	} {
		if prm := p.Lookup(name); prm != nil && prm.Set != nil {
			_ = prm.Set(v) // validated with the config
		}
	}
	p.Register(command.IntParam("maxclients", 1, math.MaxUint32,
		func() int64 { return int64(s.pool.MaxClients()) },
		func(n int64) error { return s.pool.SetMaxClients(int(n)) }))
	p.Register(command.IntParam("timeout", 0, math.MaxInt32,
		func() int64 { return int64(s.settings.IdleTimeout() / time.Second) },
		func(n int64) error { s.settings.SetIdleTimeout(time.Duration(n) * time.Second); return nil }))
	s.tls.register(p)
	p.Register(command.MemoryParam("proto-max-bulk-len", uint64(config.MB), math.MaxInt64,
		func() uint64 { return uint64(s.settings.MaxBulkLen()) },
		func(n uint64) error { s.settings.SetMaxBulkLen(int64(n)); return nil }))
	for _, prm := range s.settings.Params() {
		p.Register(prm)
	}
}

// applyMaxMemory sets the engine's maxmemory parameters (registered by the
// engine) from the configuration, which Validate checked.
func applyMaxMemory(p *command.Params, cfg config.Config) error {
	return p.Set([][]byte{
		[]byte("maxmemory"), []byte(strconv.FormatInt(int64(cfg.MaxMemory), 10)),
		[]byte("maxmemory-policy"), []byte(cfg.MaxMemoryPolicy),
		[]byte("maxmemory-samples"), []byte(strconv.Itoa(cfg.MaxMemorySamples)),
		[]byte("maxmemory-eviction-tenacity"), []byte(strconv.Itoa(cfg.MaxMemoryEvictionTenacity)),
	})
}

// outputLimits converts the config's output-buffer limits for the engine.
func outputLimits(c config.OutputBufferLimits) command.OutputLimits {
	conv := func(l config.OutputBufferLimit) command.OutputLimit {
		return command.OutputLimit{Hard: uint64(l.Hard), Soft: uint64(l.Soft), SoftSeconds: int64(l.SoftSeconds)}
	}
	var out command.OutputLimits
	out[command.ClassNormal] = conv(c.Normal)
	out[command.ClassReplica] = conv(c.Replica)
	out[command.ClassPubSub] = conv(c.PubSub)
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// saveString formats the save rules as Redis's CONFIG GET save does, and
// reports none when snapshots are off.
func saveString(cfg config.Config) string {
	if cfg.PersistMode() != config.ModeSnapshot {
		return ""
	}
	var parts []string
	for _, r := range cfg.Persistence.Snapshot.Save {
		parts = append(parts, strconv.FormatInt(r.Seconds, 10), strconv.FormatInt(r.Changes, 10))
	}
	return strings.Join(parts, " ")
}

// aclOptions are the users of cfg: requirepass, [[acl.user]] and the ACL
// file (in dir unless absolute).
func aclOptions(cfg config.Config) *command.ACLOptions {
	o := &command.ACLOptions{RequirePass: cfg.RequirePass}
	if cfg.ACL.File != "" {
		o.File = cfg.Path(cfg.ACL.File)
	}
	for _, u := range cfg.ACL.Users {
		o.Users = append(o.Users, command.ACLUserRules{Name: u.Name, Rules: strings.Fields(u.Rules)})
	}
	return o
}
