package config

import (
	"crypto/tls"
	"reflect"
	"testing"
)

func TestParseTLSProtocols(t *testing.T) {
	for _, tc := range []struct {
		in       string
		min, max uint16
		err      string
	}{
		{"", tls.VersionTLS12, tls.VersionTLS13, ""},
		{"  ", tls.VersionTLS12, tls.VersionTLS13, ""},
		{"TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, ""},
		{"tlsv1.3 TLSv1.2", tls.VersionTLS12, tls.VersionTLS13, ""},
		{"TLSv1.3", tls.VersionTLS13, tls.VersionTLS13, ""},
		{"TLSv1 TLSv1.1 TLSv1.2 TLSv1.3", tls.VersionTLS10, tls.VersionTLS13, ""},
		{"TLSv1.2 TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, ""},
		{"SSLv3", 0, 0, `unknown protocol "SSLv3" (want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, separated by spaces)`},
		{"TLSv1.2,TLSv1.3", 0, 0, `unknown protocol "TLSv1.2,TLSv1.3" (want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, separated by spaces)`},
		{"TLSv1 TLSv1.3", 0, 0, `"TLSv1 TLSv1.3" leaves out TLSv1.2: Go's crypto/tls enables a range of versions, so name consecutive ones`},
	} {
		lo, hi, err := ParseTLSProtocols(tc.in)
		if got := errText(err); got != tc.err || lo != tc.min || hi != tc.max {
			t.Errorf("ParseTLSProtocols(%q) = %x, %x, %q; want %x, %x, %q", tc.in, lo, hi, got, tc.min, tc.max, tc.err)
		}
	}
}

func TestParseTLSCiphers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []uint16
		err  string
	}{
		{"", nil, ""},
		{"ECDHE-RSA-AES128-GCM-SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, ""},
		{"ecdhe-ecdsa-chacha20-poly1305:TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}, ""},
		{"ECDHE-RSA-AES256-GCM-SHA384, ECDHE-ECDSA-AES128-SHA", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}, ""},
		{"RC4-SHA", nil, `unknown or insecure cipher suite "RC4-SHA" for TLS 1.2 and older (want names such as ECDHE-RSA-AES128-GCM-SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, separated by colons)`},
		{"TLS_RSA_WITH_AES_128_GCM_SHA256", nil, `unknown or insecure cipher suite "TLS_RSA_WITH_AES_128_GCM_SHA256" for TLS 1.2 and older (want names such as ECDHE-RSA-AES128-GCM-SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, separated by colons)`},
		{"TLS_AES_128_GCM_SHA256", nil, `unknown or insecure cipher suite "TLS_AES_128_GCM_SHA256" for TLS 1.2 and older (want names such as ECDHE-RSA-AES128-GCM-SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, separated by colons)`},
		{"DEFAULT:!MEDIUM", nil, `unknown or insecure cipher suite "DEFAULT" for TLS 1.2 and older (want names such as ECDHE-RSA-AES128-GCM-SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, separated by colons)`},
	} {
		got, err := ParseTLSCiphers(tc.in)
		if errText(err) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseTLSCiphers(%q) = %v, %q; want %v, %q", tc.in, got, errText(err), tc.want, tc.err)
		}
	}
}

// TestTLSProblems: the [tls] table's problems, each naming its key and
// line, all at once.
func TestTLSProblems(t *testing.T) {
	got := problems(t, `port = 6380
[tls]
port = 6380
auth_clients = "sometimes"
protocols = "TLSv1.4"
ciphers = "NULL"
`)
	want := []Problem{
		{Key: "tls.port", Line: 3, Msg: "6380 is also port: the plain and the TLS port must differ (port = 0 serves TLS only)"},
		{Key: "tls.auth_clients", Line: 4, Msg: `unknown value "sometimes" (want no, optional or yes)`},
		{Key: "tls.protocols", Line: 5, Msg: `unknown protocol "TLSv1.4" (want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, separated by spaces)`},
		{Key: "tls.ciphers", Line: 6, Msg: `unknown or insecure cipher suite "NULL" for TLS 1.2 and older (want names such as ECDHE-RSA-AES128-GCM-SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, separated by colons)`},
		{Key: "tls.ca_cert_file", Msg: "empty, and so is tls.ca_cert_dir (want one of them while tls.port is set, as Redis)"},
		{Key: "tls.cert_file", Msg: "empty (want the server's certificate file while tls.port is set)"},
		{Key: "tls.key_file", Msg: "empty (want the server's private key file while tls.port is set)"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %+v\nwant %+v", got, want)
	}
	// Off, the files are not needed; the words are still checked.
	parse(t, "[tls]\nport = 0\ncert_file = \"/nowhere\"\nauth_clients = \"NO\"\n")
	if ps := problems(t, "[tls]\nprotocols = \"SSLv2\"\n"); len(ps) != 1 || ps[0].Key != "tls.protocols" {
		t.Errorf("problems with TLS off: %+v", ps)
	}
	if ps := problems(t, "[tls]\nport = 65536\ncert_file = \"c\"\nkey_file = \"k\"\nca_cert_dir = \"d\"\n"); len(ps) != 1 || ps[0].Msg != "65536 out of range (want 0 for no TLS, or 1..65535)" {
		t.Errorf("problems with tls.port 65536: %+v", ps)
	}
}

func TestTLSAuthClientsPolicy(t *testing.T) {
	for a, want := range map[TLSAuthClients]tls.ClientAuthType{
		TLSAuthNo: tls.NoClientCert, TLSAuthOptional: tls.VerifyClientCertIfGiven, TLSAuthYes: tls.RequireAndVerifyClientCert,
	} {
		if got := a.ClientAuth(); got != want {
			t.Errorf("%s.ClientAuth() = %v, want %v", a, got, want)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
