package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TLS configures the TLS port ([tls]), as Redis's tls-* settings. TLS is
// off while Port is 0. File names are relative to the working directory,
// as on Redis's command line.
type TLS struct {
	Port        int            // tls.port; 0 = off
	CertFile    string         // tls.cert_file: the server's certificate chain (PEM)
	KeyFile     string         // tls.key_file: its private key (PEM, unencrypted)
	CACertFile  string         // tls.ca_cert_file: CAs that sign client certificates (PEM)
	CACertDir   string         // tls.ca_cert_dir: a directory of such CA files
	AuthClients TLSAuthClients // tls.auth_clients
	// Protocols are the TLS versions allowed, Redis's words separated by
	// spaces ("TLSv1.2 TLSv1.3"); "" = TLSv1.2 and TLSv1.3.
	Protocols string // tls.protocols
	// Ciphers are the cipher suites allowed up to TLS 1.2, separated by
	// colons, by OpenSSL or IANA name; "" = Go's defaults. (TLS 1.3's
	// suites cannot be chosen in Go: all three are secure and always on.)
	Ciphers string // tls.ciphers
}

// On reports whether TLS is on (Port set).
func (t TLS) On() bool { return t.Port != 0 }

// TLSAuthClients is whether TLS clients must show a certificate signed by
// a configured CA (Redis's tls-auth-clients).
type TLSAuthClients string

// TLS client authentication modes.
const (
	TLSAuthNo       TLSAuthClients = "no"       // no certificate is asked for
	TLSAuthOptional TLSAuthClients = "optional" // a certificate given must be valid
	TLSAuthYes      TLSAuthClients = "yes"      // a valid certificate is required
)

func (TLSAuthClients) values() []TLSAuthClients {
	return []TLSAuthClients{TLSAuthNo, TLSAuthOptional, TLSAuthYes}
}

// String returns the config word.
func (a TLSAuthClients) String() string { return string(a) }

// MarshalText returns the config word.
func (a TLSAuthClients) MarshalText() ([]byte, error) { return []byte(a), nil }

// UnmarshalText accepts no, optional or yes, ignoring case.
func (a *TLSAuthClients) UnmarshalText(text []byte) error { return parseEnum(a, text) }

// ClientAuth is the crypto/tls policy for a.
func (a TLSAuthClients) ClientAuth() tls.ClientAuthType {
	switch a {
	case TLSAuthNo:
		return tls.NoClientCert
	case TLSAuthOptional:
		return tls.VerifyClientCertIfGiven
	default:
		return tls.RequireAndVerifyClientCert
	}
}

// tlsVersions are the protocol words of Redis's tls-protocols, oldest first.
var tlsVersions = []struct {
	word string
	id   uint16
}{
	{"TLSv1", tls.VersionTLS10},
	{"TLSv1.1", tls.VersionTLS11},
	{"TLSv1.2", tls.VersionTLS12},
	{"TLSv1.3", tls.VersionTLS13},
}

// ParseTLSProtocols parses tls.protocols: Redis's words (any case, any
// order) separated by spaces, "" meaning TLSv1.2 and TLSv1.3. Go enables
// a range of versions, so the words must name consecutive versions.
func ParseTLSProtocols(s string) (minVersion, maxVersion uint16, err error) {
	words := strings.Fields(s)
	if len(words) == 0 {
		return tls.VersionTLS12, tls.VersionTLS13, nil
	}
	on := make([]bool, len(tlsVersions))
	for _, w := range words {
		i := 0
		for i < len(tlsVersions) && !strings.EqualFold(w, tlsVersions[i].word) {
			i++
		}
		if i == len(tlsVersions) {
			return 0, 0, fmt.Errorf("unknown protocol %q (want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, separated by spaces)", w)
		}
		on[i] = true
	}
	lo, hi := -1, -1
	for i, ok := range on {
		if !ok {
			continue
		}
		if lo < 0 {
			lo = i
		} else if hi != i-1 {
			return 0, 0, fmt.Errorf("%q leaves out %s: Go's crypto/tls enables a range of versions, so name consecutive ones", s, tlsVersions[i-1].word)
		}
		hi = i
	}
	return tlsVersions[lo].id, tlsVersions[hi].id, nil
}

// opensslCipherNames are OpenSSL's names for the cipher suites Go offers
// up to TLS 1.2 and deems secure, by IANA name.
var opensslCipherNames = map[string]string{
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA":          "ECDHE-ECDSA-AES128-SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA":          "ECDHE-ECDSA-AES256-SHA",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA":            "ECDHE-RSA-AES128-SHA",
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA":            "ECDHE-RSA-AES256-SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256":       "ECDHE-ECDSA-AES128-GCM-SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384":       "ECDHE-ECDSA-AES256-GCM-SHA384",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256":         "ECDHE-RSA-AES128-GCM-SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384":         "ECDHE-RSA-AES256-GCM-SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256":   "ECDHE-RSA-CHACHA20-POLY1305",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
}

// ParseTLSCiphers parses tls.ciphers: cipher suite names separated by
// colons (or commas or spaces, as OpenSSL allows), each an IANA name
// (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) or OpenSSL's
// (ECDHE-RSA-AES128-GCM-SHA256) of a suite that Go offers up to TLS 1.2
// and deems secure. "" is nil: Go's defaults.
func ParseTLSCiphers(s string) ([]uint16, error) {
	names := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' || r == ' ' })
	var ids []uint16
	for _, name := range names {
		id, ok := tlsCipherID(name)
		if !ok {
			return nil, fmt.Errorf("unknown or insecure cipher suite %q for TLS 1.2 and older (want names such as ECDHE-RSA-AES128-GCM-SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, separated by colons)", name)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// tlsCipherID finds a secure pre-TLS-1.3 suite by either of its names.
func tlsCipherID(name string) (uint16, bool) {
	for _, cs := range tls.CipherSuites() {
		if openssl, ok := opensslCipherNames[cs.Name]; ok &&
			(strings.EqualFold(name, cs.Name) || strings.EqualFold(name, openssl)) {
			return cs.ID, true
		}
	}
	return 0, false
}

// validate adds the problems of t that the file alone shows (no file is
// read: Load does that).
func (t TLS) validate(add func(key, format string, args ...any), port int) {
	if t.Port < 0 || t.Port > 65535 {
		add("tls.port", "%d out of range (want 0 for no TLS, or 1..65535)", t.Port)
	}
	if t.Port != 0 && t.Port == port {
		add("tls.port", "%d is also port: the plain and the TLS port must differ (port = 0 serves TLS only)", t.Port)
	}
	if err := checkEnum(t.AuthClients); err != nil {
		add("tls.auth_clients", "%v", err)
	}
	if _, _, err := ParseTLSProtocols(t.Protocols); err != nil {
		add("tls.protocols", "%v", err)
	}
	if _, err := ParseTLSCiphers(t.Ciphers); err != nil {
		add("tls.ciphers", "%v", err)
	}
	if !t.On() {
		return
	}
	if t.CertFile == "" {
		add("tls.cert_file", "empty (want the server's certificate file while tls.port is set)")
	}
	if t.KeyFile == "" {
		add("tls.key_file", "empty (want the server's private key file while tls.port is set)")
	}
	if t.CACertFile == "" && t.CACertDir == "" {
		add("tls.ca_cert_file", "empty, and so is tls.ca_cert_dir (want one of them while tls.port is set, as Redis)")
	}
}

// Load reads the certificate, key and CA files and returns the server's
// TLS configuration, without ClientAuth (AuthClients.ClientAuth gives it:
// the caller picks it per connection). Problems name their key, in an
// *Error. The caller owns the result.
func (t TLS) Load() (*tls.Config, error) {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	t.validate(add, 0)
	if len(ps) > 0 {
		return nil, &Error{Problems: ps}
	}
	minV, maxV, _ := ParseTLSProtocols(t.Protocols) // validated
	ciphers, _ := ParseTLSCiphers(t.Ciphers)
	c := &tls.Config{MinVersion: minV, MaxVersion: maxV, CipherSuites: ciphers}
	cert, p := loadKeyPair(t.CertFile, t.KeyFile)
	if p != nil {
		ps = append(ps, *p)
	}
	c.Certificates = []tls.Certificate{cert}
	c.ClientCAs = x509.NewCertPool()
	if t.CACertFile != "" {
		if err := addCAFile(c.ClientCAs, t.CACertFile); err != nil {
			add("tls.ca_cert_file", "%v", err)
		}
	}
	if t.CACertDir != "" {
		if err := addCADir(c.ClientCAs, t.CACertDir); err != nil {
			add("tls.ca_cert_dir", "%v", err)
		}
	}
	if len(ps) > 0 {
		return nil, &Error{Problems: ps}
	}
	return c, nil
}

// loadKeyPair reads the certificate chain and its key; a problem names
// the file at fault.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, *Problem) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, &Problem{Key: "tls.cert_file", Msg: err.Error()}
	}
	if err := checkCertPEM(certPEM); err != nil {
		return tls.Certificate{}, &Problem{Key: "tls.cert_file", Msg: fmt.Sprintf("%s: %v", certFile, err)}
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, &Problem{Key: "tls.key_file", Msg: err.Error()}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, &Problem{Key: "tls.key_file", Msg: fmt.Sprintf("%s: %v", keyFile, err)}
	}
	return cert, nil
}

// checkCertPEM checks that data holds PEM certificates that parse.
func checkCertPEM(data []byte) error {
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return errors.New("no PEM certificate in the file")
	}
	return nil
}

// addCAFile adds the PEM certificates of file to pool.
func addCAFile(pool *x509.CertPool, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := checkCertPEM(data); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	pool.AppendCertsFromPEM(data)
	return nil
}

// addCADir adds the PEM certificates of every regular file in dir to
// pool (files without a certificate, such as keys, are skipped). A
// directory without any certificate is an error.
func addCADir(pool *x509.CertPool, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	n := 0
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if checkCertPEM(data) == nil && pool.AppendCertsFromPEM(data) {
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("%s: no file with a PEM certificate in the directory", dir)
	}
	return nil
}
