package config_test

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestTLSLoad: Load reads the files into a server configuration, and
// each file that does not load is a problem naming its key.
func TestTLSLoad(t *testing.T) {
	certs := servertest.NewTLSCerts(t, "ca1")
	good := config.TLS{Port: 6380, CertFile: certs.ServerCert, KeyFile: certs.ServerKey, CACertFile: certs.CA,
		AuthClients: config.TLSAuthYes, Protocols: "TLSv1.3", Ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256"}
	c, err := good.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Certificates) != 1 || c.ClientCAs == nil || c.MinVersion != tls.VersionTLS13 || c.MaxVersion != tls.VersionTLS13 ||
		len(c.CipherSuites) != 1 || c.CipherSuites[0] != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
		t.Errorf("Load = %+v", c)
	}

	// A CA directory: its files with certificates count, the others
	// (a key here) are skipped; one without any certificate is a problem.
	caDir := t.TempDir()
	for _, f := range []string{certs.CA, certs.ClientKey} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(caDir, filepath.Base(f)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dirOnly := good
	dirOnly.CACertFile, dirOnly.CACertDir = "", caDir
	if _, err := dirOnly.Load(); err != nil {
		t.Errorf("Load with ca_cert_dir: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "missing.pem")
	empty := t.TempDir()
	for _, tc := range []struct {
		mutate func(*config.TLS)
		want   []config.Problem
	}{
		{func(c *config.TLS) { c.CertFile = missing }, []config.Problem{{Key: "tls.cert_file", Msg: "open " + missing + ": no such file or directory"}}},
		{func(c *config.TLS) { c.CertFile = certs.ServerKey }, []config.Problem{{Key: "tls.cert_file", Msg: certs.ServerKey + ": no PEM certificate in the file"}}},
		{func(c *config.TLS) { c.KeyFile = missing }, []config.Problem{{Key: "tls.key_file", Msg: "open " + missing + ": no such file or directory"}}},
		{func(c *config.TLS) { c.KeyFile = certs.ClientKey }, []config.Problem{{Key: "tls.key_file", Msg: certs.ClientKey + ": tls: private key does not match public key"}}},
		{func(c *config.TLS) { c.CACertFile, c.CACertDir = missing, empty }, []config.Problem{
			{Key: "tls.ca_cert_file", Msg: "open " + missing + ": no such file or directory"},
			{Key: "tls.ca_cert_dir", Msg: empty + ": no file with a PEM certificate in the directory"},
		}},
		{func(c *config.TLS) { c.CACertDir = missing }, []config.Problem{{Key: "tls.ca_cert_dir", Msg: "open " + missing + ": no such file or directory"}}},
		{func(c *config.TLS) { c.KeyFile, c.Protocols = "", "TLSv2" }, []config.Problem{
			{Key: "tls.protocols", Msg: `unknown protocol "TLSv2" (want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, separated by spaces)`},
			{Key: "tls.key_file", Msg: "empty (want the server's private key file while tls.port is set)"},
		}},
	} {
		bad := good
		tc.mutate(&bad)
		_, err := bad.Load()
		var e *config.Error
		if !errors.As(err, &e) {
			t.Errorf("Load(%+v) = %v, want *Error", bad, err)
			continue
		}
		if len(e.Problems) != len(tc.want) {
			t.Errorf("Load(%+v) problems %+v, want %+v", bad, e.Problems, tc.want)
			continue
		}
		for i := range tc.want {
			if e.Problems[i] != tc.want[i] {
				t.Errorf("problem %d: %+v, want %+v", i, e.Problems[i], tc.want[i])
			}
		}
	}
}
