package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

const missingGroup = "0b0e5a3c-9d1f-4e2a-8b7c-6d5e4f3a2b1c" // no such group: authentik answers 400

// secretsCSV makes n rows with a password each, some invalid, some rejected by authentik.
// It returns the file and every password in it.
func secretsCSV(n int) (string, []string) {
	var b strings.Builder
	var passwords []string
	b.WriteString("username,name,email,groups,password\n")
	for i := range n {
		pw := fmt.Sprintf("Pw%04d-xQ7!secret", i)
		passwords = append(passwords, pw)
		switch i % 10 {
		case 3: // refused by authentik: the group does not exist
			fmt.Fprintf(&b, "s%04d,User %d,s%04d@example.com,%s,%s\n", i, i, i, missingGroup, pw)
		case 5: // invalid before sending
			fmt.Fprintf(&b, "s%04d,User %d,not-an-email,,%s\n", i, i, pw)
		case 7: // one cell too many
			fmt.Fprintf(&b, "s%04d,User %d,s%04d@example.com,,%s,%s\n", i, i, i, pw, pw)
		default:
			fmt.Fprintf(&b, "s%04d,User %d,s%04d@example.com,,%s\n", i, i, i, pw)
		}
	}
	return b.String(), passwords
}

// echoSecrets is a hostile proxy: it echoes the request's secrets back in error answers —
// the Authorization header in some 503s, the set_password body in some 400s — so the test
// proves akimport redacts what a server says, not only what it logs itself.
type echoSecrets struct {
	next      http.Handler
	creates   atomic.Int64
	passwords atomic.Int64
	echoed    atomic.Int64
}

func (e *echoSecrets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case isCreate(r) && e.creates.Add(1)%9 == 0:
		e.echoed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"detail": "upstream refused " + r.Header.Get("Authorization")})
	case strings.HasSuffix(r.URL.Path, "/set_password/") && e.passwords.Add(1)%4 == 0:
		e.echoed.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string][]string{"password": {"cannot parse " + string(body)}})
	default:
		e.next.ServeHTTP(w, r)
	}
}

// The token and the passwords appear in no output: logs in both formats (debug level too),
// the summary, the report in both formats, whatever the server echoes back.
func TestSecretsNeverLeak(t *testing.T) {
	const rows = 30
	tests := []struct {
		name     string
		token    string // "" = the simulator's
		args     []string
		report   string
		wantCode int
	}{
		{name: "console log, debug, CSV report", args: []string{"--log-format", "console", "-v"}, report: "report.csv", wantCode: 1},
		{name: "json log, debug, JSONL report", args: []string{"--log-format", "json", "-v"}, report: "report.jsonl", wantCode: 1},
		{name: "console log, info, CSV report", args: []string{"--log-format", "console"}, report: "report.csv", wantCode: 1},
		{name: "wrong token, json log, debug", token: "wrong-token-5b8e1f", args: []string{"--log-format", "json", "-v"}, report: "report.csv", wantCode: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			echo := &echoSecrets{}
			s := startSim(t, authentiktest.Options{
				Seed: 7,
				Faults: authentiktest.Faults{
					ServiceUnavailable: 0.05,
					LostAnswer:         0.05,
					Routes:             []string{authentiktest.RouteCreateUser, authentiktest.RouteSetPassword, authentiktest.RouteListUsers},
				},
			}, func(next http.Handler) http.Handler { echo.next = next; return echo })
			dir := t.TempDir()
			content, passwords := secretsCSV(rows)
			input := writeFile(t, dir, "users.csv", content)
			rep := filepath.Join(dir, tt.report)
			token := tt.token
			if token == "" {
				token = simToken
			}
			env := map[string]string{"AUTHENTIK_URL": s.srv.URL, "AUTHENTIK_TOKEN": token}
			// Logs, progress and the summary write to stderr from several goroutines.
			var stdout, stderr lockedBuffer
			e := environment{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
			args := append([]string{"import", "--rate", "0", "--retries", "8", "--progress", "always", "--progress-interval", "1ms", "--report", rep}, tt.args...)
			code := execute(contextWithTimeout(t, time.Minute), append(args, input), e)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tt.wantCode, &stderr)
			}
			reportBytes, _ := os.ReadFile(rep)
			outputs := map[string]string{"stderr": stderr.String(), "stdout": stdout.String(), "report": string(reportBytes)}
			for name, text := range outputs {
				if strings.Contains(text, token) {
					t.Errorf("the token appears in %s", name)
				}
				for _, pw := range passwords {
					if strings.Contains(text, pw) {
						t.Errorf("password %q appears in %s", pw, name)
					}
				}
			}
			if tt.wantCode == 1 {
				if echo.echoed.Load() == 0 {
					t.Error("the proxy echoed no secret: the test proves less than it says")
				}
				out := strings.ReplaceAll(stderr.String(), `"exit_code":1`, "exit code 1") // the summary as a JSON line
				for _, want := range []string{"exit code 1", "Invalid pk", "[redacted]"} {
					if !strings.Contains(out+string(reportBytes), want) {
						t.Errorf("the output lacks %q", want)
					}
				}
			}
		})
	}
}

// --insecure works against a certificate nobody trusts, and says on stderr that it is unsafe;
// without it the run stops at once (exit 3) and the message points at --insecure.
func TestTLSVerification(t *testing.T) {
	sim, err := authentiktest.New(authentiktest.Options{Token: simToken})
	if err != nil {
		t.Fatal(err)
	}
	srv := newTLSServer(t, sim)
	dir := t.TempDir()
	input := writeFile(t, dir, "users.csv", simpleUsersCSV(5, "t"))
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStderr []string
		wantUsers  int
	}{
		{name: "verified by default", wantCode: importer.ExitFatal, wantStderr: []string{"certificate", "--insecure"}},
		{name: "--insecure", args: []string{"--insecure"}, wantCode: 0, wantStderr: []string{"--insecure", "verification is off"}, wantUsers: 5},
		{name: "AUTHENTIK_INSECURE", env: map[string]string{"AUTHENTIK_INSECURE": "true"}, wantCode: 0, wantStderr: []string{"verification is off"}, wantUsers: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AUTHENTIK_URL": srv.URL, "AUTHENTIK_TOKEN": simToken}
			for k, v := range tt.env {
				env[k] = v
			}
			var stderr lockedBuffer
			e := environment{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr}
			args := append([]string{"import", "--rate", "0", "--progress", "never", "--on-existing", "skip", "--report", filepath.Join(dir, "report.csv")}, tt.args...)
			start := time.Now()
			code := execute(contextWithTimeout(t, time.Minute), append(args, input), e)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tt.wantCode, &stderr)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, &stderr)
				}
			}
			if got := len(sim.Users()); got != tt.wantUsers {
				t.Errorf("the simulator holds %d users, want %d", got, tt.wantUsers)
			}
			if d := time.Since(start); tt.wantCode == importer.ExitFatal && d > 20*time.Second {
				t.Errorf("a TLS failure took %v to stop the run: it must not be retried", d)
			}
			if tt.wantCode == importer.ExitFatal && strings.Contains(stderr.String(), "exit code 0") {
				t.Errorf("stderr:\n%s", &stderr)
			}
		})
	}
}

// A report made from another file cannot be used to resume this one, and an empty input is
// a usage error: both exit 2 before anything is sent.
func TestUsageErrorsBeforeSending(t *testing.T) {
	s := startSim(t, authentiktest.Options{}, nil)
	dir := t.TempDir()
	first := writeFile(t, dir, "first.csv", simpleUsersCSV(3, "a"))
	second := writeFile(t, dir, "second.csv", simpleUsersCSV(4, "b"))
	empty := writeFile(t, dir, "empty.csv", "")
	rep := filepath.Join(dir, "report.csv")
	env := map[string]string{"AUTHENTIK_URL": s.srv.URL, "AUTHENTIK_TOKEN": simToken}
	run := func(args ...string) (int, string) {
		var stderr lockedBuffer
		e := environment{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr}
		code := execute(context.Background(), append([]string{"import", "--progress", "never", "--rate", "0"}, args...), e)
		return code, stderr.String()
	}
	if code, stderr := run("--report", rep, first); code != 0 {
		t.Fatalf("first import: exit %d\n%s", code, stderr)
	}
	creates := s.sim.Stats().Creates
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "resume against another file", args: []string{"--report", filepath.Join(dir, "r2.csv"), "--resume", rep, second}, want: []string{"another input file", "second.csv"}},
		{name: "resume writing over its report", args: []string{"--report", rep, "--resume", rep, second}, want: []string{"another input file"}},
		{name: "empty input", args: []string{"--report", filepath.Join(dir, "r3.csv"), empty}, want: []string{"empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := run(tt.args...)
			if code != importer.ExitUsage {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, importer.ExitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if got := s.sim.Stats().Creates; got != creates {
				t.Errorf("%d creates were sent, want none", got-creates)
			}
		})
	}
	// The refused resume left the earlier report where it was.
	if rows := readReportFile(t, rep); len(rows) != 3 {
		t.Errorf("the earlier report has %d rows, want 3", len(rows))
	}
}
