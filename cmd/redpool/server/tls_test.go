package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// tlsServer is a redpool serving a plain and a TLS port, from certs.
type tlsServer struct {
	*server.Server
	Plain, TLS string // addresses
	certs      servertest.TLSCerts
}

// startTLS starts a server with TLS on (certs of a new CA), on a plain
// and a TLS loopback port, adjusted by mutate; it shuts down at cleanup.
func startTLS(t *testing.T, so server.Options, mutate func(*config.Config)) *tlsServer {
	t.Helper()
	certs := servertest.NewTLSCerts(t, "ca1")
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	cfg.Persistence.Mode = config.ModeNone
	plain, tlsLn := listenLoopback(t), listenLoopback(t)
	cfg.Port = plain.Addr().(*net.TCPAddr).Port
	cfg.TLS = config.TLS{
		Port: tlsLn.Addr().(*net.TCPAddr).Port, AuthClients: config.TLSAuthYes,
		CertFile: certs.ServerCert, KeyFile: certs.ServerKey, CACertFile: certs.CA,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := server.New(cfg, so)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	lns := server.Listeners{Plain: plain, TLS: tlsLn}
	if cfg.Port == 0 {
		_ = plain.Close()
		lns.Plain = nil
	}
	serveUntilCleanup(t, srv, lns)
	s := &tlsServer{Server: srv, TLS: tlsLn.Addr().String(), certs: certs}
	if lns.Plain != nil {
		s.Plain = plain.Addr().String()
	}
	return s
}

// serveUntilCleanup serves lns until the test's cleanup shuts srv down.
func serveUntilCleanup(t *testing.T, srv *server.Server, lns server.Listeners) {
	t.Helper()
	servertest.ServeUntilCleanup(t, srv, func() error { return srv.ServeListeners(lns) })
}

// startListening starts a server with exactly cfg on the addresses it
// configures (Listen), until the test's cleanup.
func startListening(t *testing.T, cfg config.Config, so server.Options) server.Listeners {
	t.Helper()
	srv, err := server.New(cfg, so)
	if err != nil {
		t.Fatal(err)
	}
	lns, err := srv.Listen()
	if err != nil {
		_ = srv.Shutdown(context.Background())
		t.Fatal(err)
	}
	serveUntilCleanup(t, srv, lns)
	return lns
}

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// expectRefused checks that a TLS client with cfg cannot run a command:
// its handshake fails, or (TLS 1.3, where the client finishes first) its
// first read gets the server's alert. It returns the error.
func expectRefused(t *testing.T, addr string, cfg *tls.Config) error {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err == nil {
		t.Fatalf("a client that should be refused got %q", got)
	}
	return err
}

// withCert has cfg show the client certificate of certs, even to a
// server that names other CAs (a Go client would otherwise send none).
func withCert(t *testing.T, cfg *tls.Config, certs servertest.TLSCerts) *tls.Config {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(certs.ClientCert, certs.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	return cfg
}

// wantErrContains fails unless err's text contains want.
func wantErrContains(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want one containing %q", err, want)
	}
}

// TestTLSGoRedis: go-redis v9 with a TLS configuration works over the
// TLS port, and the same data is seen on the plain port (one server).
func TestTLSGoRedis(t *testing.T) {
	s := startTLS(t, server.Options{}, nil)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.TLS, TLSConfig: s.certs.ClientConfig(t, true), MaxRetries: -1, DialTimeout: 5 * time.Second})
	t.Cleanup(func() { _ = c.Close() })
	if got, err := c.Set(ctx, "k", "v", 0).Result(); err != nil || got != "OK" {
		t.Fatalf("SET over TLS = %q, %v", got, err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET over TLS = %q, %v", got, err)
	}
	if _, err := c.Incr(ctx, "k").Result(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
		t.Fatalf("INCR on a string over TLS: %v", err)
	}
	plain := servertest.Dial(t, s.Plain)
	plain.Expect("$1\r\nv\r\n", "GET", "k")
	raw := servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true))
	raw.Expect("+PONG\r\n", "PING")
	raw.Expect("$1\r\nv\r\n", "GET", "k")
	raw.Expect("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:"+
		idOf(t, raw)+"\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n", "HELLO", "3")
	raw.Expect("_\r\n", "GET", "missing")
}

// idOf returns the CLIENT ID of c.
func idOf(t *testing.T, c *servertest.Conn) string {
	t.Helper()
	r := c.Do("CLIENT", "ID")
	if !strings.HasPrefix(r, ":") {
		t.Fatalf("CLIENT ID = %q", r)
	}
	return strings.TrimSuffix(r[1:], "\r\n")
}

// TestTLSAuthClients: tls.auth_clients yes refuses a client without a
// certificate, optional takes it but refuses a certificate of another CA,
// and no asks for none; CONFIG SET tls-auth-clients switches between them
// for new connections.
func TestTLSAuthClients(t *testing.T) {
	s := startTLS(t, server.Options{}, nil)
	other := servertest.NewTLSCerts(t, "other")
	foreign := withCert(t, s.certs.ClientConfig(t, false), other) // trusts our CA, shows other's certificate
	admin := servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true))

	// yes (the default)
	admin.Expect("*2\r\n$16\r\ntls-auth-clients\r\n$3\r\nyes\r\n", "CONFIG", "GET", "tls-auth-clients")
	wantErrContains(t, expectRefused(t, s.TLS, s.certs.ClientConfig(t, false)), "certificate required")
	wantErrContains(t, expectRefused(t, s.TLS, foreign), "unknown certificate authority")
	servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true)).Expect("+PONG\r\n", "PING")

	admin.Expect("+OK\r\n", "CONFIG", "SET", "tls-auth-clients", "OPTIONAL")
	admin.Expect("*2\r\n$16\r\ntls-auth-clients\r\n$8\r\noptional\r\n", "CONFIG", "GET", "tls-auth-clients")
	servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, false)).Expect("+PONG\r\n", "PING")
	servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true)).Expect("+PONG\r\n", "PING")
	wantErrContains(t, expectRefused(t, s.TLS, foreign), "unknown certificate authority")

	admin.Expect("+OK\r\n", "CONFIG", "SET", "tls-auth-clients", "no")
	servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, false)).Expect("+PONG\r\n", "PING")
	servertest.DialTLS(t, s.TLS, foreign).Expect("+PONG\r\n", "PING") // not asked for, not checked

	admin.Expect("-ERR CONFIG SET failed (possibly related to argument 'tls-auth-clients') - argument(s) must be one of the following: no, yes, optional\r\n",
		"CONFIG", "SET", "tls-auth-clients", "maybe")
	admin.Expect("*2\r\n$16\r\ntls-auth-clients\r\n$2\r\nno\r\n", "CONFIG", "GET", "tls-auth-clients")
	admin.Expect("+PONG\r\n", "PING") // the first client never noticed
}

// TestTLSBadClientsDropped: a plaintext client on the TLS port, a client
// that never starts its handshake and one that hangs up in the middle are
// dropped, each alone: the acceptor never waits on them (a good client
// connecting meanwhile is served at once), and the clients already
// connected go on.
func TestTLSBadClientsDropped(t *testing.T) {
	logs := &lockedBuffer{}
	s := startTLS(t, server.Options{TLSHandshakeTimeout: 300 * time.Millisecond, Logger: logs.logger()}, nil)
	good := servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true))
	good.Expect("+PONG\r\n", "PING")

	silent := servertest.Dial(t, s.TLS) // connects, never says a word
	plaintext := servertest.Dial(t, s.TLS)
	plaintext.Write("PING\r\n")
	// Go's TLS server answers a first record that is not TLS with
	// nothing: the client sees the connection closed.
	if got, err := io.ReadAll(plaintext.NetConn()); err != nil || len(got) != 0 {
		t.Errorf("plaintext client on the TLS port read %q, %v; want the connection closed with nothing", got, err)
	}
	half := servertest.Dial(t, s.TLS)
	half.Write("\x16\x03\x01\x00\x50\x01") // the start of a ClientHello
	_ = half.NetConn().Close()

	// Served while the silent client still waits in its handshake.
	servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true)).Expect("+PONG\r\n", "PING")
	silent.ExpectClosed() // after the handshake timeout
	good.Expect("+PONG\r\n", "PING")
	servertest.Dial(t, s.Plain).Expect("+PONG\r\n", "PING")
	for _, want := range []string{"first record does not look like a TLS handshake", "context deadline exceeded", "unexpected EOF"} {
		logs.wait(t, want)
	}
}

// TestTLSOneClientLimit: the plain and the TLS port share maxclients.
// Past it, a plain client gets Redis's error and a TLS client is closed
// before its handshake (it could not read the error).
func TestTLSOneClientLimit(t *testing.T) {
	s := startTLS(t, server.Options{}, func(c *config.Config) { c.MaxClients = 2 })
	a := servertest.Dial(t, s.Plain)
	a.Expect("+PONG\r\n", "PING")
	b := servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true))
	b.Expect("+PONG\r\n", "PING")

	over := servertest.Dial(t, s.Plain)
	if got, err := over.TryRead(10 * time.Second); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third plain client read %q, %v", got, err)
	}
	if err := expectRefused(t, s.TLS, s.certs.ClientConfig(t, true)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("third client, over TLS: %v; want the connection closed", err)
	}
	a.Expect("+PONG\r\n", "PING")
	b.Expect("+PONG\r\n", "PING")
}

// TestTLSOnly: port = 0 with tls.port set listens on the TLS port only,
// as Redis; INFO's tcp_port is then the TLS port, as Redis's.
func TestTLSOnly(t *testing.T) {
	certs := servertest.NewTLSCerts(t, "ca1")
	cfg := config.Default()
	cfg.Dir, cfg.Persistence.Mode, cfg.Bind = t.TempDir(), config.ModeNone, "127.0.0.1"
	cfg.Port = 0
	reserve := listenLoopback(t)
	cfg.TLS = config.TLS{Port: reserve.Addr().(*net.TCPAddr).Port, AuthClients: config.TLSAuthNo,
		CertFile: certs.ServerCert, KeyFile: certs.ServerKey, CACertFile: certs.CA}
	_ = reserve.Close()
	lns := startListening(t, cfg, server.Options{})
	if lns.Plain != nil || lns.TLS == nil {
		t.Fatalf("Listen = %+v, want a TLS listener only", lns)
	}
	c := servertest.DialTLS(t, lns.TLS.Addr().String(), certs.ClientConfig(t, false))
	port := strconv.Itoa(cfg.TLS.Port)
	c.Expect("*2\r\n$4\r\nport\r\n$1\r\n0\r\n", "CONFIG", "GET", "port")
	c.Expect("*2\r\n$8\r\ntls-port\r\n$"+strconv.Itoa(len(port))+"\r\n"+port+"\r\n", "CONFIG", "GET", "tls-port")
	if info := c.Do("INFO", "server"); !strings.Contains(info, "\r\ntcp_port:"+port+"\r\n") {
		t.Errorf("INFO server lacks tcp_port:%s:\n%s", port, info)
	}
}

// TestTLSReload: CONFIG SET of the certificate, key and CA (a new CA)
// reloads them for new connections in one step: clients connected before
// go on, new clients need the new CA's certificates. A file that does not
// load fails with Redis's error and keeps the old files.
func TestTLSReload(t *testing.T) {
	logs := &lockedBuffer{}
	s := startTLS(t, server.Options{Logger: logs.logger()}, nil)
	old := servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true))
	old.Expect("+OK\r\n", "SET", "k", "v")

	tlsErr := func(param string) string {
		return "-ERR CONFIG SET failed (possibly related to argument '" + param + "') - Unable to update TLS configuration. Check server logs.\r\n"
	}
	bulk := func(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
	next := servertest.NewTLSCerts(t, "ca2")
	// The new certificate alone does not match the old key: refused.
	old.Expect(tlsErr("tls-cert-file"), "CONFIG", "SET", "tls-cert-file", next.ServerCert)
	old.Expect(tlsErr("tls-cert-file"), "CONFIG", "SET", "tls-cert-file", filepath.Join(t.TempDir(), "missing.crt"))
	old.Expect(tlsErr("tls-ca-cert-dir"), "CONFIG", "SET", "tls-ca-cert-dir", t.TempDir())
	old.Expect(tlsErr("tls-protocols"), "CONFIG", "SET", "tls-protocols", "SSLv3")
	old.Expect(tlsErr("tls-ciphers"), "CONFIG", "SET", "tls-ciphers", "RC4-SHA")
	old.Expect(tlsErr("tls-ciphersuites"), "CONFIG", "SET", "tls-ciphersuites", "TLS_AES_128_GCM_SHA256")
	old.Expect("+OK\r\n", "CONFIG", "SET", "tls-ciphersuites", "")
	// A bad value after good ones in one CONFIG SET: all are restored.
	// As Redis, the error names the first parameter of the failed step.
	old.Expect(tlsErr("tls-cert-file"), "CONFIG", "SET", "tls-cert-file", next.ServerCert, "tls-key-file", s.certs.ServerKey+".nope")
	old.Expect("*2\r\n$13\r\ntls-cert-file\r\n"+bulk(s.certs.ServerCert), "CONFIG", "GET", "tls-cert-file")
	old.Expect("*2\r\n$12\r\ntls-key-file\r\n"+bulk(s.certs.ServerKey), "CONFIG", "GET", "tls-key-file")
	old.Expect("*2\r\n$13\r\ntls-protocols\r\n$0\r\n\r\n", "CONFIG", "GET", "tls-protocols")
	for _, want := range []string{"private key does not match public key", "missing.crt: no such file", "no file with a PEM certificate",
		`unknown protocol \"SSLv3\"`, `\"RC4-SHA\"`, "TLSv1.3 cipher suites cannot be chosen"} {
		logs.wait(t, want)
	}
	servertest.DialTLS(t, s.TLS, s.certs.ClientConfig(t, true)).Expect("+PONG\r\n", "PING") // old files still in use

	old.Expect("+OK\r\n", "CONFIG", "SET", "tls-cert-file", next.ServerCert, "tls-key-file", next.ServerKey, "tls-ca-cert-file", next.CA)
	old.Expect("*2\r\n$16\r\ntls-ca-cert-file\r\n"+bulk(next.CA), "CONFIG", "GET", "tls-ca-cert-file")
	old.Expect("$1\r\nv\r\n", "GET", "k") // connected before: goes on
	wantErrContains(t, expectRefused(t, s.TLS, s.certs.ClientConfig(t, true)), "certificate signed by unknown authority")
	mixed := withCert(t, next.ClientConfig(t, false), s.certs) // trusts the new CA, shows the old CA's certificate
	wantErrContains(t, expectRefused(t, s.TLS, mixed), "unknown certificate authority")
	servertest.DialTLS(t, s.TLS, next.ClientConfig(t, true)).Expect("$1\r\nv\r\n", "GET", "k")

	// Protocols: TLS 1.3 only refuses a TLS 1.2 client.
	old.Expect("+OK\r\n", "CONFIG", "SET", "tls-protocols", "tlsv1.3")
	old.Expect("*2\r\n$13\r\ntls-protocols\r\n$7\r\ntlsv1.3\r\n", "CONFIG", "GET", "tls-protocols")
	v12 := next.ClientConfig(t, true)
	v12.MaxVersion = tls.VersionTLS12
	wantErrContains(t, expectRefused(t, s.TLS, v12), "protocol version")
	servertest.DialTLS(t, s.TLS, next.ClientConfig(t, true)).Expect("+PONG\r\n", "PING")
}

// TestTLSCiphers: tls.ciphers limits the TLS 1.2 suites.
func TestTLSCiphers(t *testing.T) {
	s := startTLS(t, server.Options{}, func(c *config.Config) {
		c.TLS.Protocols = "TLSv1.2"
		c.TLS.Ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384"
	})
	cfg := s.certs.ClientConfig(t, true)
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	wantErrContains(t, expectRefused(t, s.TLS, cfg), "handshake failure")
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
	c := servertest.DialTLS(t, s.TLS, cfg)
	c.Expect("+PONG\r\n", "PING")
	if st := c.NetConn().(*tls.Conn).ConnectionState(); st.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 || st.Version != tls.VersionTLS12 {
		t.Errorf("negotiated %s %s", tls.CipherSuiteName(st.CipherSuite), tls.VersionName(st.Version))
	}
}

// TestTLSStartErrors: a TLS file that does not load stops the start,
// naming its key.
func TestTLSStartErrors(t *testing.T) {
	certs := servertest.NewTLSCerts(t, "ca1")
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for _, tc := range []struct {
		mutate func(*config.TLS)
		want   string
	}{
		{func(c *config.TLS) { c.CertFile = missing }, "tls.cert_file: open " + missing + ": no such file or directory"},
		{func(c *config.TLS) { c.KeyFile = certs.ClientKey }, "tls.key_file: " + certs.ClientKey + ": tls: private key does not match public key"},
		{func(c *config.TLS) { c.CACertFile = certs.ServerKey }, "tls.ca_cert_file: " + certs.ServerKey + ": no PEM certificate in the file"},
		{func(c *config.TLS) { c.CertFile = "" }, "tls.cert_file: empty (want the server's certificate file while tls.port is set)"},
	} {
		cfg := config.Default()
		cfg.Dir = t.TempDir()
		cfg.TLS = config.TLS{Port: 6380, AuthClients: config.TLSAuthYes,
			CertFile: certs.ServerCert, KeyFile: certs.ServerKey, CACertFile: certs.CA}
		tc.mutate(&cfg.TLS)
		srv, err := server.New(cfg, server.Options{})
		if err == nil {
			_ = srv.Shutdown(context.Background())
			t.Errorf("server.New started; want %q", tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("server.New error\n got: %s\nwant: %s", err, tc.want)
		}
	}
}

// TestTLSConfigRewrite: CONFIG REWRITE writes the tls-* settings CONFIG
// SET changed into the [tls] table, and the file starts the same server.
func TestTLSConfigRewrite(t *testing.T) {
	certs := servertest.NewTLSCerts(t, "ca1")
	next := servertest.NewTLSCerts(t, "ca2")
	dir := t.TempDir()
	file := filepath.Join(dir, "redpool.toml")
	reserve := listenLoopback(t)
	tlsPort := reserve.Addr().(*net.TCPAddr).Port
	_ = reserve.Close()
	src := "port = 0\ndir = \"" + dir + "\"\n\n[persistence]\nmode = \"none\"\n\n[tls]\nport = " + strconv.Itoa(tlsPort) +
		"\ncert_file = \"" + certs.ServerCert + "\"\nkey_file = \"" + certs.ServerKey + "\" # the key\nca_cert_file = \"" + certs.CA + "\"\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	lns := startListening(t, cfg, server.Options{ConfigFile: file})
	c := servertest.DialTLS(t, lns.TLS.Addr().String(), certs.ClientConfig(t, true))
	c.Expect("+OK\r\n", "CONFIG", "SET", "tls-cert-file", next.ServerCert, "tls-key-file", next.ServerKey,
		"tls-ca-cert-file", next.CA, "tls-auth-clients", "optional", "tls-protocols", "TLSv1.2 TLSv1.3", "tls-ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256")
	c.Expect("+OK\r\n", "CONFIG", "REWRITE")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "port = 0\ndir = \"" + dir + "\"\n\n[persistence]\nmode = \"none\"\n\n[tls]\nport = " + strconv.Itoa(tlsPort) +
		"\ncert_file = \"" + next.ServerCert + "\"\nkey_file = \"" + next.ServerKey + "\" # the key\nca_cert_file = \"" + next.CA + "\"\n" +
		"auth_clients = \"optional\"\nciphers = \"ECDHE-ECDSA-AES128-GCM-SHA256\"\nprotocols = \"TLSv1.2 TLSv1.3\"\n"
	if string(data) != want {
		t.Errorf("rewritten file:\n%s\nwant:\n%s", data, want)
	}
	if _, err := config.Load(file); err != nil {
		t.Errorf("the rewritten file does not load: %v", err)
	}
}

// TestTLSRedisCLI runs redis-cli --tls against the TLS port (CI has
// redis-cli; without it the test skips loudly).
func TestTLSRedisCLI(t *testing.T) {
	cli := requireTool(t, "redis-cli", "apt-get install -y redis-tools")
	s := startTLS(t, server.Options{}, nil)
	host, port, _ := net.SplitHostPort(s.TLS)
	run := func(withCert bool, args ...string) (string, error) {
		base := []string{"--tls", "--cacert", s.certs.CA, "-h", host, "-p", port}
		if withCert {
			base = append(base, "--cert", s.certs.ClientCert, "--key", s.certs.ClientKey)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, cli, append(base, args...)...).CombinedOutput()
		return string(out), err
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "PONG\n"},
		{[]string{"SET", "greeting", "hello"}, "OK\n"},
		{[]string{"GET", "greeting"}, "hello\n"},
		{[]string{"CONFIG", "GET", "tls-auth-clients"}, "tls-auth-clients\nyes\n"},
		{[]string{"INCR", "greeting"}, "ERR value is not an integer or out of range\n\n"}, // as redis-cli prints Redis's
	} {
		if got, err := run(true, tc.args...); got != tc.want || err != nil {
			t.Errorf("redis-cli --tls %s = %q, %v; want %q", strings.Join(tc.args, " "), got, err, tc.want)
		}
	}
	// Without a client certificate (auth_clients = yes): refused, as by Redis.
	if got, err := run(false, "PING"); err == nil || got != "Error: Server closed the connection\n" {
		t.Errorf("redis-cli --tls without --cert = %q, %v; want the connection closed", got, err)
	}
}

// lockedBuffer collects a server's log for a test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// wait waits up to 10s for the log to contain want (the server may log
// after the client saw the connection close).
func (b *lockedBuffer) wait(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(b.String(), want); {
		if time.Now().After(deadline) {
			t.Errorf("log lacks %q:\n%s", want, b.String())
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
