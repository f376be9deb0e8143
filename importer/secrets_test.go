package importer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// echoingProxy answers every request with an error that repeats what it was sent: the
// Authorization header, and the body (where a password travels). A server or proxy that
// echoes requests must not get the secrets into akimport's errors, logs or report.
type echoingProxy struct {
	next   http.Handler
	status func(r *http.Request) int // 0 = pass the request on
}

func (p *echoingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status := p.status(r)
	if status == 0 {
		p.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"detail":   "refused " + r.Header.Get("Authorization") + " for " + string(body),
		"password": []string{"bad: " + string(body)},
	})
}

// The token and every password stay out of the error Run returns, the logs (JSON and
// console, debug level) and the report, whatever the server answers.
func TestSecretsStayOutOfErrorsLogsAndReports(t *testing.T) {
	const rows = 30
	isSetPassword := func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/set_password/") }
	tests := []struct {
		name     string
		status   func(r *http.Request) int
		token    string
		wantCode int
	}{
		{name: "every request refused 403 with the request echoed", status: func(*http.Request) int { return http.StatusForbidden }, wantCode: importer.ExitFatal},
		{name: "every request 503 with the request echoed", status: func(*http.Request) int { return http.StatusServiceUnavailable }, wantCode: importer.ExitFatal},
		{name: "set_password refused with the body echoed", status: func(r *http.Request) int {
			if isSetPassword(r) {
				return http.StatusBadRequest
			}
			return 0
		}, wantCode: importer.ExitRowsFailed},
		{name: "set_password failing 502 with the body echoed", status: func(r *http.Request) int {
			if isSetPassword(r) {
				return http.StatusBadGateway
			}
			return 0
		}, wantCode: importer.ExitRowsFailed},
		{name: "a wrong token", token: "wrong-token-0e6d3c", status: func(*http.Request) int { return 0 }, wantCode: importer.ExitFatal},
	}
	for _, tt := range tests {
		for _, logFormat := range []string{"json", "console"} {
			for _, reportName := range []string{"report.csv", "report.jsonl"} {
				t.Run(fmt.Sprintf("%s/%s log/%s", tt.name, logFormat, reportName), func(t *testing.T) {
					proxy := &echoingProxy{status: tt.status}
					h := newHarnessWrapped(t, authentiktest.Options{}, func(next http.Handler) http.Handler { proxy.next = next; return proxy })
					var in strings.Builder
					var passwords []string
					in.WriteString("username,name,groups,password\n")
					for i := range rows {
						pw := fmt.Sprintf("pw-%04d-Zk9#secret", i)
						passwords = append(passwords, pw)
						groups := ""
						if i%6 == 1 {
							groups = "0b0e5a3c-9d1f-4e2a-8b7c-6d5e4f3a2b1c" // no such group: invalid
						}
						if i%6 == 4 {
							pw += "\x00" // invalid before sending
						}
						fmt.Fprintf(&in, "s%04d,User %d,%s,%s\n", i, i, groups, pw)
					}
					cfg := h.config(h.write("users.csv", in.String()))
					cfg.ReportPath = filepath.Join(h.dir, reportName)
					cfg.Retries = 2
					if tt.token != "" {
						cfg.Token = tt.token
					}
					enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
					if logFormat == "console" {
						enc = zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
					}
					cfg.Logger = zap.New(zapcore.NewCore(enc, zapcore.AddSync(h.log), zapcore.DebugLevel))
					_, err := importer.Run(context.Background(), cfg)
					if code := importer.ExitCode(err); code != tt.wantCode {
						t.Fatalf("exit code %d (%v), want %d", code, err, tt.wantCode)
					}
					if err != nil {
						cfg.Logger.Error(err.Error()) // as the CLI does
					}
					rep, _ := os.ReadFile(cfg.ReportPath)
					errText := ""
					if err != nil {
						errText = err.Error()
					}
					for name, text := range map[string]string{"the error": errText, "the log": h.log.String(), "the report": string(rep)} {
						if strings.Contains(text, cfg.Token) {
							t.Errorf("the token appears in %s:\n%s", name, text)
						}
						for _, pw := range passwords {
							if strings.Contains(text, pw) {
								t.Errorf("password %q appears in %s", pw, name)
							}
						}
					}
				})
			}
		}
	}
}
