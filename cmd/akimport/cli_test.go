package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// parse runs argv through the import command's flag parsing and returns the config, or
// the error, without running an import.
func parse(t *testing.T, args []string, env map[string]string) (importer.Config, error) {
	t.Helper()
	var got importer.Config
	var gotErr error
	_ = gotErr
	e := environment{
		getenv: func(k string) string { return env[k] },
		stdin:  strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
	}
	code := 0
	ran := false
	cmd := newImportCommand(context.Background(), e, &code, func(_ context.Context, cfg importer.Config) error {
		got, ran = cfg, true
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		return got, err
	}
	if !ran {
		t.Fatal("the import did not run and no error was returned")
	}
	return got, gotErr
}

func TestArgvToConfig(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"AUTHENTIK_URL": "https://auth.example.com", "AUTHENTIK_TOKEN": "env-token"}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c importer.Config)
		wantErr string
	}{
		{name: "defaults from the contract", args: []string{"users.csv"}, env: base, check: func(t *testing.T, c importer.Config) {
			if c.URL != "https://auth.example.com" || c.Token != "env-token" || c.ReportPath != "akimport-report.csv" ||
				c.Concurrency != 8 || c.Rate != 10 || c.Burst != 1 || c.Timeout != 30*time.Second || c.Retries != 5 ||
				c.OnExisting != importer.OnExistingFail || c.Progress != "auto" || c.MaxDeactivate.String() != "5%" || c.DryRun || c.Insecure {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "flags override", args: []string{"--url", "http://127.0.0.1:9000", "--concurrency", "32", "--rate", "0", "--burst", "4",
			"--timeout", "5s", "--retries", "2", "--report", "out.jsonl", "--on-existing", "update", "--max-errors", "10", "users.jsonl"},
			env: base, check: func(t *testing.T, c importer.Config) {
				if c.URL != "http://127.0.0.1:9000" || c.Concurrency != 32 || c.Rate != 0 || c.Burst != 4 || c.Timeout != 5*time.Second ||
					c.Retries != 2 || c.ReportPath != "out.jsonl" || c.OnExisting != importer.OnExistingUpdate || c.MaxErrors != 10 {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "token file wins over env and is trimmed", args: []string{"--token-file", tokenFile, "users.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if c.Token != "file-token" {
					t.Errorf("token %q", c.Token)
				}
			}},
		{name: "insecure from env", args: []string{"users.csv"}, env: map[string]string{"AUTHENTIK_URL": "https://a", "AUTHENTIK_TOKEN": "t", "AUTHENTIK_INSECURE": "true"},
			check: func(t *testing.T, c importer.Config) {
				if !c.Insecure {
					t.Error("AUTHENTIK_INSECURE=true not applied")
				}
			}},
		{name: "stdin with format", args: []string{"--format", "JSONL", "-"}, env: base, check: func(t *testing.T, c importer.Config) {
			if c.Input != "-" || c.Format != mapping.FormatJSONL {
				t.Errorf("got input %q format %q", c.Input, c.Format)
			}
		}},
		{name: "dry run needs no url", args: []string{"--dry-run", "users.csv"}, env: nil, check: func(t *testing.T, c importer.Config) {
			if !c.DryRun || c.URL != "" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "plan flags", args: []string{"--on-existing", "update", "--lookup", "per-row", "--reactivate", "--startup-wait", "10s", "hr.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if c.Lookup != importer.LookupPerRow || !c.Reactivate || c.StartupWait != 10*time.Second {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "lookup defaults to auto", args: []string{"hr.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if c.Lookup != importer.LookupAuto || c.Reactivate {
					t.Errorf("got lookup %q reactivate %v", c.Lookup, c.Reactivate)
				}
			}},
		{name: "sync flags", args: []string{"--deactivate-missing", "--scope-path", "users/staff", "--max-deactivate", "10", "hr.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if !c.DeactivateMissing || c.ScopePath != "users/staff" || c.MaxDeactivate.String() != "10" {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "report format", args: []string{"--report", "-", "--report-format", "JSONL", "users.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if c.ReportPath != "-" || c.ReportFormat != report.FormatJSONL {
					t.Errorf("got report %q format %q", c.ReportPath, c.ReportFormat)
				}
			}},
		{name: "new flags", args: []string{"--groups-mode", "add", "--allow-superusers", "--log-format", "json", "hr.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if c.GroupsMode != importer.GroupsAdd || !c.AllowSuperusers || !c.LogJSON {
					t.Errorf("got groups mode %q, allow superusers %v, log JSON %v", c.GroupsMode, c.AllowSuperusers, c.LogJSON)
				}
			}},
		{name: "groups mode defaults to replace", args: []string{"hr.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if c.GroupsMode != importer.GroupsReplace || c.AllowSuperusers || c.LogJSON {
					t.Errorf("got groups mode %q, allow superusers %v, log JSON %v", c.GroupsMode, c.AllowSuperusers, c.LogJSON)
				}
			}},
		{name: "bad groups mode", args: []string{"--groups-mode", "merge", "users.csv"}, env: base, wantErr: "--groups-mode"},
		{name: "bad lookup", args: []string{"--lookup", "sometimes", "users.csv"}, env: base, wantErr: "--lookup"},
		{name: "reactivate needs update", args: []string{"--reactivate", "users.csv"}, env: base, wantErr: "--reactivate needs --on-existing update"},
		{name: "bad report format", args: []string{"--report-format", "xml", "users.csv"}, env: base, wantErr: "--report-format"},
		{name: "token as a flag is refused", args: []string{"--token", "secret", "users.csv"}, env: base, wantErr: "--token is not accepted"},
		{name: "no url without dry run", args: []string{"users.csv"}, env: map[string]string{"AUTHENTIK_TOKEN": "t"}, wantErr: "no authentik URL"},
		{name: "no token", args: []string{"users.csv"}, env: map[string]string{"AUTHENTIK_URL": "https://a"}, wantErr: "no API token"},
		{name: "stdin without format", args: []string{"-"}, env: base, wantErr: "--format"},
		{name: "bad on-existing", args: []string{"--on-existing", "merge", "users.csv"}, env: base, wantErr: "--on-existing"},
		{name: "bad concurrency", args: []string{"--concurrency", "0", "users.csv"}, env: base, wantErr: "--concurrency"},
		{name: "concurrency auto: max-concurrency workers, the limit gates", args: []string{"--concurrency", "auto", "users.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if !c.ConcurrencyAuto || c.MaxConcurrency != 64 || c.Concurrency != 64 {
					t.Errorf("got auto %v, max %d, workers %d; want auto, 64, 64", c.ConcurrencyAuto, c.MaxConcurrency, c.Concurrency)
				}
			}},
		{name: "concurrency auto with a bound", args: []string{"--concurrency", "AUTO", "--max-concurrency", "12", "users.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if !c.ConcurrencyAuto || c.MaxConcurrency != 12 || c.Concurrency != 12 {
					t.Errorf("got auto %v, max %d, workers %d; want auto, 12, 12", c.ConcurrencyAuto, c.MaxConcurrency, c.Concurrency)
				}
			}},
		{name: "a number keeps today's behaviour", args: []string{"--concurrency", "16", "users.csv"}, env: base,
			check: func(t *testing.T, c importer.Config) {
				if c.ConcurrencyAuto || c.Concurrency != 16 {
					t.Errorf("got auto %v, workers %d; want fixed 16", c.ConcurrencyAuto, c.Concurrency)
				}
			}},
		{name: "concurrency neither number nor auto", args: []string{"--concurrency", "lots", "users.csv"}, env: base, wantErr: "or auto"},
		{name: "max-concurrency without auto", args: []string{"--max-concurrency", "12", "users.csv"}, env: base, wantErr: "--max-concurrency"},
		{name: "bad max-concurrency", args: []string{"--concurrency", "auto", "--max-concurrency", "-1", "users.csv"}, env: base, wantErr: "--max-concurrency"},
		{name: "deactivate without scope", args: []string{"--deactivate-missing", "users.csv"}, env: base, wantErr: "--scope-path"},
		{name: "bad max-deactivate", args: []string{"--max-deactivate", "lots", "users.csv"}, env: base, wantErr: "--max-deactivate"},
		{name: "bad log format", args: []string{"--log-format", "xml", "users.csv"}, env: base, wantErr: "--log-format"},
		{name: "two files", args: []string{"a.csv", "b.csv"}, env: base, wantErr: "exactly one input FILE"},
		{name: "unknown flag", args: []string{"--colour", "users.csv"}, env: base, wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, tt.args, tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			tt.check(t, got)
		})
	}
}

func TestExitCodeOfUsageErrors(t *testing.T) {
	var stderr bytes.Buffer
	e := environment{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr}
	if code := execute(context.Background(), []string{"import", "--token", "s3cret-value", "x.csv"}, e); code != importer.ExitUsage {
		t.Errorf("exit code %d, want %d", code, importer.ExitUsage)
	}
	if strings.Contains(stderr.String(), "s3cret-value") {
		t.Errorf("the token was echoed: %s", stderr.String())
	}
	if code := execute(context.Background(), []string{"version"}, e); code != 0 {
		t.Errorf("version exit code %d", code)
	}
}

// Mistakes with the token get a one-line fix, exit 2, and never echo what may be a token.
func TestTokenMistakes(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	bearerFile := filepath.Join(dir, "bearer")
	for p, content := range map[string]string{tokenFile: "ak-file-token\n", bearerFile: "Bearer ak-file-token\n"} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const pasted = "ak-pasted-7f3c9e1d"
	url := map[string]string{"AUTHENTIK_URL": "https://auth.example.com"}
	withToken := map[string]string{"AUTHENTIK_URL": "https://auth.example.com", "AUTHENTIK_TOKEN": "bearer  " + pasted}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"token given to --token-file", []string{"--token-file", pasted, "u.csv"}, url, "--token-file: no such file (the argument is not shown in case it is a token)"},
		{"Bearer in AUTHENTIK_TOKEN", []string{"u.csv"}, withToken, `AUTHENTIK_TOKEN starts with "Bearer ": give the token alone`},
		{"Bearer in the token file", []string{"--token-file", bearerFile, "u.csv"}, url, `starts with "Bearer ": give the token alone`},
		{"report is the token file", []string{"--token-file", tokenFile, "--report", tokenFile, "u.csv"}, url, "--report is the --token-file"},
		{"summary is the token file", []string{"--token-file", tokenFile, "--summary-json", filepath.Join(dir, ".", "token"), "u.csv"}, url, "--summary-json is the --token-file"},
		{"metrics file is the token file", []string{"--token-file", tokenFile, "--metrics-file", tokenFile, "u.csv"}, url, "--metrics-file is the --token-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			e := environment{getenv: func(k string) string { return tt.env[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr}
			if code := execute(context.Background(), append([]string{"import"}, tt.args...), e); code != importer.ExitUsage {
				t.Errorf("exit code %d, want %d", code, importer.ExitUsage)
			}
			if !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr %q, want one line with %q", stderr.String(), tt.want)
			}
			if strings.Contains(stderr.String(), pasted) || strings.Contains(stderr.String(), "--url") {
				t.Errorf("stderr echoes the token or blames --url: %q", stderr.String())
			}
			if b, _ := os.ReadFile(tokenFile); string(b) != "ak-file-token\n" {
				t.Errorf("the token file now holds %q", b)
			}
		})
	}
	// The undo command refuses its report on the token file too.
	var stderr bytes.Buffer
	e := environment{getenv: func(k string) string { return url[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr}
	if code := execute(context.Background(), []string{"undo", "--token-file", tokenFile, "--report", tokenFile, "r.csv"}, e); code != importer.ExitUsage {
		t.Errorf("undo: exit code %d, want 2: %s", code, &stderr)
	}
}
