package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/command"
)

// defaultHandshakeTimeout bounds a TLS client's handshake (Options).
const defaultHandshakeTimeout = 10 * time.Second

// errNoHandshake is a write to a TLS client before its handshake: the
// pool's max-clients reply, which such a client could not read. The
// connection is closed without it (Redis cannot send it either).
var errNoHandshake = errors.New("server: TLS handshake not done")

// tlsServer is the TLS side of a Server: Redis's tls-* parameters as
// CONFIG shows and sets them, the crypto/tls configurations built from
// them that new connections use, and the wrapping of accepted
// connections. It starts no goroutine. Safe for concurrent use.
type tlsServer struct {
	logger  *slog.Logger
	timeout time.Duration // a handshake's bound

	mu sync.Mutex
	// set are the settings as CONFIG SET left them; tls-auth-clients
	// takes effect at once, the others once Apply built live from them.
	set     config.TLS
	applied config.TLS // what live was built from (AuthClients aside)
	// live holds the configuration of each tls-auth-clients mode, built
	// from applied; nil while TLS is off. Connections take it at their
	// handshake, so that a reload affects new connections only.
	live atomic.Pointer[tlsConfigs]
	// base is handed to tls.Server for every connection: it only points
	// to the configuration of the moment (configForClient).
	base *tls.Config
}

// tlsConfigs are one loaded configuration in each client-auth mode.
type tlsConfigs map[config.TLSAuthClients]*tls.Config

// newTLSServer loads c's files when TLS is on. An error names the key
// at fault (a *config.Error).
func newTLSServer(c config.TLS, logger *slog.Logger, timeout time.Duration) (*tlsServer, error) {
	if timeout <= 0 {
		timeout = defaultHandshakeTimeout
	}
	t := &tlsServer{logger: logger, timeout: timeout, set: c, applied: c}
	t.base = &tls.Config{GetConfigForClient: t.configForClient}
	live, err := buildTLS(c)
	if err != nil {
		return nil, err
	}
	t.live.Store(live)
	return t, nil
}

// buildTLS loads c into a configuration per client-auth mode, or, with
// TLS off, only checks the form of its values (nil, nil).
func buildTLS(c config.TLS) (*tlsConfigs, error) {
	if !c.On() {
		if _, _, err := config.ParseTLSProtocols(c.Protocols); err != nil {
			return nil, err
		}
		_, err := config.ParseTLSCiphers(c.Ciphers)
		return nil, err
	}
	base, err := c.Load()
	if err != nil {
		return nil, err
	}
	m := tlsConfigs{}
	for _, a := range []config.TLSAuthClients{config.TLSAuthNo, config.TLSAuthOptional, config.TLSAuthYes} {
		m[a] = base.Clone()
		m[a].ClientAuth = a.ClientAuth()
	}
	return &m, nil
}

// configForClient is the configuration a handshake starting now uses.
func (t *tlsServer) configForClient(*tls.ClientHelloInfo) (*tls.Config, error) {
	t.mu.Lock()
	auth := t.set.AuthClients
	t.mu.Unlock()
	return (*t.live.Load())[auth], nil
}

// settings are the settings as CONFIG shows them (CONFIG REWRITE).
func (t *tlsServer) settings() config.TLS {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.set
}

// Apply builds the configuration new connections use from the settings
// CONFIG SET staged. It is a command.Applier: if the files do not load,
// the reason goes to the log, the connections go on with the old
// configuration, and the error is Redis's.
func (t *tlsServer) Apply() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	want := t.set
	want.AuthClients = t.applied.AuthClients
	if want == t.applied {
		return nil
	}
	live, err := buildTLS(want)
	if err != nil {
		t.logger.Warn("TLS configuration not updated; the old one stays", "err", err)
		return errors.New(command.ReasonTLSConfig)
	}
	if live != nil {
		t.live.Store(live)
	}
	t.applied = want
	t.logger.Info("TLS configuration updated for new connections")
	return nil
}

// register adds Redis's tls-* parameters that redpool acts on (the
// others are inert knobs of command.NewParams).
func (t *tlsServer) register(p *command.Params) {
	port := strconv.Itoa(t.set.Port)
	p.Register(command.Param{Name: "tls-port", Get: func() string { return port }})
	for name, field := range map[string]func(*config.TLS) *string{
		"tls-cert-file":    func(c *config.TLS) *string { return &c.CertFile },
		"tls-key-file":     func(c *config.TLS) *string { return &c.KeyFile },
		"tls-ca-cert-file": func(c *config.TLS) *string { return &c.CACertFile },
		"tls-ca-cert-dir":  func(c *config.TLS) *string { return &c.CACertDir },
		"tls-protocols":    func(c *config.TLS) *string { return &c.Protocols },
		"tls-ciphers":      func(c *config.TLS) *string { return &c.Ciphers },
	} {
		p.Register(command.Param{
			Name: name,
			Get: func() string {
				t.mu.Lock()
				defer t.mu.Unlock()
				return *field(&t.set)
			},
			Set: func(v string) error {
				t.mu.Lock()
				defer t.mu.Unlock()
				*field(&t.set) = v
				return nil
			},
			Apply: t,
		})
	}
	p.Register(command.Param{
		Name: "tls-ciphersuites",
		Get:  func() string { return "" },
		Set: func(v string) error {
			if v == "" {
				return nil
			}
			t.logger.Warn("tls-ciphersuites: TLSv1.3 cipher suites cannot be chosen with Go's crypto/tls (all three are secure and always on)", "value", v)
			return errors.New(command.ReasonTLSConfig)
		},
	})
	p.Register(command.Param{
		Name: "tls-auth-clients",
		Get:  func() string { return t.settings().AuthClients.String() },
		Set: func(v string) error {
			var a config.TLSAuthClients
			if err := a.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf(command.ReasonEnum, "no, yes, optional") // Redis's order
			}
			t.mu.Lock()
			defer t.mu.Unlock()
			t.set.AuthClients = a
			return nil
		},
	})
}

// listener wraps ln so that it accepts TLS connections (tlsConn).
func (t *tlsServer) listener(ln net.Listener) net.Listener { return tlsListener{ln, t} }

// tlsListener accepts TLS connections; it does no I/O of its own, so
// the acceptor never waits on a client.
type tlsListener struct {
	net.Listener
	t *tlsServer
}

// Accept returns the next connection, its handshake not yet done.
func (l tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tlsConn{Conn: tls.Server(c, l.t.base), t: l.t}, nil
}

// tlsConn is an accepted TLS connection. Its handshake runs at its first
// Read, in the client's worker, bounded by the handshake timeout; a
// client that fails it is logged, and its session ends with the read
// error (the others never notice). Nothing is written before the
// handshake (errNoHandshake). Safe for the concurrent use a session
// makes of a net.Conn.
type tlsConn struct {
	*tls.Conn
	t     *tlsServer
	ready atomic.Bool // the handshake succeeded
}

// Read reads application data, doing the handshake first.
func (c *tlsConn) Read(p []byte) (int, error) {
	if !c.ready.Load() {
		if err := c.handshake(); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(p)
}

// Write writes application data once the handshake is done.
func (c *tlsConn) Write(p []byte) (int, error) {
	if !c.ready.Load() {
		return 0, errNoHandshake
	}
	return c.Conn.Write(p)
}

// handshake runs the handshake with its timeout. A deadline the session
// set (Close at shutdown) ends it too.
func (c *tlsConn) handshake() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.t.timeout)
	defer cancel()
	if err := c.Conn.HandshakeContext(ctx); err != nil {
		c.t.logger.Warn("error accepting a TLS client", "client", c.RemoteAddr().String(), "err", err)
		return err
	}
	c.ready.Store(true)
	return nil
}
