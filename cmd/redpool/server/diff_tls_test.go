package server_test

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"

	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// TestDiffTLSConfig compares the tls-* parameters with a real Redis
// serving TLS from the same files, byte for byte: CONFIG GET of each
// (tls-port aside: the ports differ), then CONFIG SET with good and bad
// values, each followed by CONFIG GET.
func TestDiffTLSConfig(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			s := startTLS(t, server.Options{}, nil)
			c := s.certs
			r := servertest.StartRedis(t, "--tls-port", strconv.Itoa(freeTCPPort(t)), "--tls-cert-file", c.ServerCert,
				"--tls-key-file", c.ServerKey, "--tls-ca-cert-file", c.CA)
			d := servertest.NewDiff(t, r.Addr, s.Plain, proto)
			params := []string{"tls-cert-file", "tls-key-file", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-auth-clients",
				"tls-protocols", "tls-ciphers", "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-session-caching",
				"tls-session-cache-size", "tls-session-cache-timeout", "tls-replication", "tls-cluster", "tls-dh-params-file",
				"tls-key-file-pass", "tls-client-cert-file", "tls-client-key-file", "tls-client-key-file-pass"}
			for _, p := range params {
				d.Do("CONFIG", "GET", p)
			}
			next := servertest.NewTLSCerts(t, "ca2")
			missing := filepath.Join(t.TempDir(), "missing.pem")
			for _, set := range [][]string{
				{"tls-auth-clients", "maybe"}, {"tls-auth-clients", "OPTIONAL"}, {"tls-auth-clients", "no"}, {"tls-auth-clients", "yes"},
				{"tls-cert-file", missing}, {"tls-key-file", missing}, {"tls-ca-cert-file", missing},
				{"tls-cert-file", next.ServerCert}, // does not match the key
				{"tls-protocols", "bogus"}, {"tls-protocols", "TLSv1.2"}, {"tls-protocols", "tlsv1.3 TLSv1.2"}, {"tls-protocols", ""},
				{"tls-ciphers", "bogus"}, {"tls-ciphers", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"}, {"tls-ciphers", ""},
				{"tls-ciphersuites", "bogus"}, {"tls-ciphersuites", ""},
				{"tls-session-caching", "no"}, {"tls-session-cache-size", "100"}, {"tls-session-cache-timeout", "-1"},
				{"tls-prefer-server-ciphers", "yes"}, {"tls-prefer-server-ciphers", "maybe"},
				{"tls-cert-file", next.ServerCert, "tls-key-file", missing},
				{"tls-cert-file", next.ServerCert, "tls-key-file", next.ServerKey, "tls-ca-cert-file", next.CA},
				{"tls-cert-file", c.ServerCert, "tls-cert-file", c.ServerCert},
			} {
				d.Do(append([]string{"CONFIG", "SET"}, set...)...)
				for i := 0; i < len(set); i += 2 {
					d.Do("CONFIG", "GET", set[i])
				}
			}
			t.Logf("%d cases", d.Cases)
		})
	}
}

// freeTCPPort returns a loopback port free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln := listenLoopback(t)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
