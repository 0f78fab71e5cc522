package connect

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/dispatch"
)

// defaultHTTPCloseTimeout bounds Close when the engine sets no CloseTimeout.
const defaultHTTPCloseTimeout = 5 * time.Second

// Open reads the token and TLS files, opens the dead-letter file, and
// starts the dispatcher. Nothing is sent before the first batch is sealed.
func (s *httpSink) Open(context.Context) error {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return fmt.Errorf("cannot draw the batch key prefix: %w", err)
	}
	s.keyPrefix = hex.EncodeToString(id[:])
	if s.tokenFile != "" {
		b, err := os.ReadFile(resolvePath(s.dir, s.tokenFile))
		if err != nil {
			return fmt.Errorf("cannot read the token file %q: %w", s.tokenFile, err)
		}
		s.token = strings.TrimSpace(string(b))
		if s.token == "" {
			return fmt.Errorf("token file %q is empty", s.tokenFile)
		}
	}
	tlsConf, err := s.tlsConfig()
	if err != nil {
		return err
	}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: s.timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConf,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        s.dcfg.MaxInFlight,
		MaxIdleConnsPerHost: s.dcfg.MaxInFlight,
		IdleConnTimeout:     90 * time.Second,
	}
	s.client = &http.Client{Transport: transport}
	if s.deadLetter {
		if s.dl, err = openHTTPDeadLetters(s.dlPath, s.dlFile, s.dlAppend, s.dlDirs); err != nil {
			return err
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if s.d, err = dispatch.New(s.dcfg, s.send); err != nil {
		return fmt.Errorf("BUG: dispatch options passed validation: %w", err)
	}
	s.d.Start()
	return nil
}

// tlsConfig builds the client's TLS configuration from the tls option.
func (s *httpSink) tlsConfig() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.tls.serverName, InsecureSkipVerify: s.tls.skipVerify}
	if s.tls.ca != "" {
		pem, err := os.ReadFile(resolvePath(s.dir, s.tls.ca))
		if err != nil {
			return nil, fmt.Errorf("cannot read the tls ca file %q: %w", s.tls.ca, err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca file %q holds no PEM certificate", s.tls.ca)
		}
	}
	if s.tls.cert != "" {
		cert, err := tls.LoadX509KeyPair(resolvePath(s.dir, s.tls.cert), resolvePath(s.dir, s.tls.key))
		if err != nil {
			return nil, fmt.Errorf("cannot load the tls client certificate %q and key %q: %w", s.tls.cert, s.tls.key, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// Close stops the dispatcher, cancels attempts still under way (a tenant
// that failed, or whose stop deadline passed, abandons them), waits for
// them at most CloseTimeout, and closes the connections and the
// dead-letter file. After a normal end every batch is acknowledged before
// Close, and nothing is under way.
func (s *httpSink) Close() error {
	if s.d == nil {
		return nil
	}
	s.cancel()
	s.d.Close()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	wait := s.closeTimeout
	if wait <= 0 {
		wait = defaultHTTPCloseTimeout
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	var err error
	select {
	case <-done:
	case <-t.C:
		err = fmt.Errorf("url %q: requests still under way after %v", s.url, wait)
	}
	s.client.CloseIdleConnections()
	if s.dl != nil {
		if cerr := s.dl.close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}
