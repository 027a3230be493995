// Package tls stands in for crypto/tls in the Worker build: scripts/build-edge swaps it in
// for the standard library's package with `go build -overlay`.
//
// A Worker has no sockets: every upstream call goes through workerd's fetch, which does TLS
// itself, so net/http's TLS code can never run there. Yet net/http imports crypto/tls, and
// the package inits of crypto/tls and of what it imports (x509, the NIST and Edwards
// curves, RSA, ML-KEM, HPKE, ASN.1, math/big) keep their code linked: 456 KB of the 1.99 MB
// gzipped Worker (core/RATIONALE.md, "The Worker's size is a budget"). This package
// declares only what net/http and net/http/httptrace name, each with the type the real
// package gives it (tls_test.go checks that against crypto/tls), and anything that would
// handshake fails instead.
package tls

import (
	"context"
	"errors"
	"net"
	"time"
)

var errNoTLS = errors.New("crypto/tls is not linked into the Worker: workerd's fetch does TLS")

const (
	VersionTLS12 = 0x0303
	VersionTLS13 = 0x0304

	TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256   uint16 = 0xc02f
	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 uint16 = 0xc02b
)

type Certificate struct{}

type ClientHelloInfo struct{}

type Config struct {
	Certificates             []Certificate
	GetCertificate           func(*ClientHelloInfo) (*Certificate, error)
	GetConfigForClient       func(*ClientHelloInfo) (*Config, error)
	NextProtos               []string
	ServerName               string
	CipherSuites             []uint16
	PreferServerCipherSuites bool
	MinVersion               uint16
}

func (c *Config) Clone() *Config {
	if c == nil {
		return nil
	}
	d := *c
	return &d
}

type ConnectionState struct {
	Version                    uint16
	CipherSuite                uint16
	NegotiatedProtocol         string
	NegotiatedProtocolIsMutual bool
	ServerName                 string
}

// Conn wraps a connection it never speaks TLS on: reads, writes and handshakes fail.
type Conn struct{ conn net.Conn }

func Client(conn net.Conn, config *Config) *Conn { return &Conn{conn} }

func (c *Conn) Read(b []byte) (int, error)                 { return 0, errNoTLS }
func (c *Conn) Write(b []byte) (int, error)                { return 0, errNoTLS }
func (c *Conn) Close() error                               { return c.conn.Close() }
func (c *Conn) LocalAddr() net.Addr                        { return c.conn.LocalAddr() }
func (c *Conn) RemoteAddr() net.Addr                       { return c.conn.RemoteAddr() }
func (c *Conn) SetDeadline(t time.Time) error              { return c.conn.SetDeadline(t) }
func (c *Conn) SetReadDeadline(t time.Time) error          { return c.conn.SetReadDeadline(t) }
func (c *Conn) SetWriteDeadline(t time.Time) error         { return c.conn.SetWriteDeadline(t) }
func (c *Conn) NetConn() net.Conn                          { return c.conn }
func (c *Conn) HandshakeContext(ctx context.Context) error { return errNoTLS }
func (c *Conn) ConnectionState() ConnectionState           { return ConnectionState{} }

type Dialer struct {
	Config *Config
}

func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return nil, errNoTLS
}

type RecordHeaderError struct {
	RecordHeader [5]byte
	Conn         net.Conn
}

func (e RecordHeaderError) Error() string { return "tls: record header error" }

func LoadX509KeyPair(certFile, keyFile string) (Certificate, error) {
	return Certificate{}, errNoTLS
}

// NewListener's listener accepts nothing: a TLS server cannot run here.
func NewListener(inner net.Listener, config *Config) net.Listener { return listener{inner} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) { return nil, errNoTLS }
