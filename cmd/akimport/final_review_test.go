package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
)

// Final outside review of the CLI review fixes: failing tests for what is still wrong.

// WRONG: "a run the command line refuses still writes --summary-json and --metrics-file
// (exit 2), and with --log-format json its error and summary are JSON lines" holds only for
// mistakes found in opts.config. A mistake cobra finds first (a misspelt flag, a value a
// flag cannot parse, a second FILE) never reaches RunE: nothing is written to the metrics
// file, so a nightly sync whose crontab gained a typo leaves last night's
// akimport_exit_code 0 in place (the alert on exit_code != 0 never fires), and stderr is a
// plain "akimport: unknown flag ..." line among JSON logs. The undo command's token mistakes
// (AUTHENTIK_TOKEN with "Bearer ", an empty --token-file) are plain lines with
// --log-format json too. Expected: exit 2, every stderr line a JSON object, and for import
// the metrics and summary files written with exit code 2.
func TestFinalCLIRefusalsBeforeRunE(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(input, []byte("username,name\nalice,Alice\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "r.csv")
	if err := os.WriteFile(report, []byte("line,username,status\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AUTHENTIK_URL": "http://127.0.0.1:1", "AUTHENTIK_TOKEN": "tok-0123456789abcdef"}
	for _, tt := range []struct {
		name    string
		args    []string
		env     map[string]string
		outputs bool // import: the metrics and summary files must say exit 2
	}{
		{"import: misspelt flag", []string{"import", "--on-exisitng", "skip", input}, env, true},
		{"import: a value the flag cannot parse", []string{"import", "--rate", "ten", input}, env, true},
		{"import: two files", []string{"import", input, input}, env, true},
		{"undo: token with Bearer", []string{"undo", "--report", filepath.Join(dir, "u.csv"), report},
			map[string]string{"AUTHENTIK_URL": "http://127.0.0.1:1", "AUTHENTIK_TOKEN": "Bearer tok-0123456789abcdef"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			metrics, summary := filepath.Join(dir, "m.prom"), filepath.Join(dir, "s.json")
			os.Remove(metrics)
			os.Remove(summary)
			args := append([]string{tt.args[0], "--log-format", "json"}, tt.args[1:]...)
			if tt.outputs {
				args = append([]string{tt.args[0], "--log-format", "json", "--metrics-file", metrics, "--summary-json", summary}, tt.args[1:]...)
			}
			var stderr bytes.Buffer
			e := environment{getenv: func(k string) string { return tt.env[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr}
			if code := execute(context.Background(), args, e); code != importer.ExitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				if !json.Valid([]byte(line)) {
					t.Errorf("with --log-format json, stderr has a line that is not JSON: %q", line)
				}
			}
			if !tt.outputs {
				return
			}
			if b, err := os.ReadFile(metrics); err != nil || !strings.Contains(string(b), "akimport_exit_code 2") {
				t.Errorf("--metrics-file after a refused command line: %v %q, want exit code 2 in it", err, b)
			}
			if _, err := os.Stat(summary); err != nil {
				t.Errorf("--summary-json not written after a refused command line: %v", err)
			}
		})
	}
}
