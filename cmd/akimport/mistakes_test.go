package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// Everyday mistakes with the server each end at once, with one line that says the fix.
func TestServerMistakes(t *testing.T) {
	s := startSim(t, authentiktest.Options{ReadOnlyTokens: []string{"read-only-token"}}, nil)
	dir := t.TempDir()
	input := writeFile(t, dir, "users.csv", simpleUsersCSV(3, "m"))
	var dials atomic.Int32
	unknownHost := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "auth.exmaple.com", IsNotFound: true}}
	}}}
	tests := []struct {
		name     string
		url      string
		token    string
		client   *http.Client
		wantCode int
		want     string
		never    string
	}{
		{"host does not resolve", "https://auth.exmaple.com", simToken, unknownHost, importer.ExitFatal, "check the host name", ""},
		{"no scheme", strings.TrimPrefix(s.srv.URL, "http://"), simToken, nil, importer.ExitUsage, "add http:// or https://", "first path segment"},
		{"secret in the query", s.srv.URL + "/?token=q-secret-41", simToken, nil, importer.ExitUsage, "must not have a query", "q-secret-41"},
		{"secret in the user info", strings.Replace(s.srv.URL, "://", "://me:u-secret-42@", 1), simToken, nil, importer.ExitUsage, "user name or password", "u-secret-42"},
		{"token without permission", s.srv.URL, "read-only-token", nil, importer.ExitFatal, "needs the permission authentik_core.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dials.Store(0)
			env := map[string]string{"AUTHENTIK_URL": tt.url, "AUTHENTIK_TOKEN": tt.token}
			var stderr lockedBuffer
			e := environment{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr, httpClient: tt.client}
			start := time.Now()
			code := execute(contextWithTimeout(t, time.Minute), []string{"import", "--progress", "never", "--report", filepath.Join(dir, "r.csv"), input}, e)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, want %d with %q; stderr:\n%s", code, tt.wantCode, tt.want, &stderr)
			}
			if tt.never != "" && strings.Contains(stderr.String(), tt.never) {
				t.Errorf("stderr shows %q:\n%s", tt.never, &stderr)
			}
			if d := time.Since(start); d > 5*time.Second || dials.Load() > 1 {
				t.Errorf("took %v and %d dials: it was retried", d, dials.Load())
			}
		})
	}
}
