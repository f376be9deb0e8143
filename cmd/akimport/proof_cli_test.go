package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// runInProcess runs the command line in this process with env as its environment.
func runInProcess(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr lockedBuffer
	e := environment{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	code := execute(contextWithTimeout(t, time.Minute), args, e)
	return code, stderr.String() + stdout.String()
}

// Issue 15 item 7 (What to build 4, design "a resume matches its run"): a --resume with
// other decision flags (--on-existing, --deactivate-missing, --scope-path) than its run, or
// against another server, is refused (exit 2) before any write, naming what differs.
func TestProofResumeMatchesItsRun(t *testing.T) {
	first := []string{"--on-existing", "update", "--deactivate-missing", "--scope-path", "users/staff", "--max-deactivate", "100%"}
	tests := []struct {
		name      string
		flags     []string
		otherURL  bool
		wantCode  int
		wantNamed []string
	}{
		{name: "the same flags", flags: first, wantCode: 0},
		{name: "another --on-existing", flags: []string{"--on-existing", "skip", "--deactivate-missing", "--scope-path", "users/staff", "--max-deactivate", "100%"},
			wantCode: 2, wantNamed: []string{"--on-existing"}},
		{name: "without --deactivate-missing and --scope-path", flags: []string{"--on-existing", "update"},
			wantCode: 2, wantNamed: []string{"--deactivate-missing"}},
		{name: "another --scope-path", flags: []string{"--on-existing", "update", "--deactivate-missing", "--scope-path", "users", "--max-deactivate", "100%"},
			wantCode: 2, wantNamed: []string{"--scope-path"}},
		{name: "another server", flags: first, otherURL: true, wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, authentiktest.Options{Users: killSeed(3)}, nil)
			other := startSim(t, authentiktest.Options{Users: killSeed(3)}, nil)
			dir := t.TempDir()
			input := writeFile(t, dir, "users.csv", killCSV(3, 3))
			rep := filepath.Join(dir, "report.csv")
			env := map[string]string{"AUTHENTIK_URL": s.srv.URL, "AUTHENTIK_TOKEN": simToken}
			base := []string{"import", "--rate", "0", "--progress", "never", "--report", rep}
			if code, out := runInProcess(t, env, append(append(base, first...), input)...); code != 0 {
				t.Fatalf("run 1: exit %d\n%s", code, out)
			}
			if tt.otherURL {
				env["AUTHENTIK_URL"] = other.srv.URL
			}
			before, otherBefore := s.sim.Stats().Writes, other.sim.Stats().Writes
			code, out := runInProcess(t, env, append(append(base, tt.flags...), "--resume", rep, input)...)
			if code != tt.wantCode {
				t.Errorf("resume: exit %d, want %d\n%s", code, tt.wantCode, out)
			}
			for _, flag := range tt.wantNamed {
				if !strings.Contains(out, flag) {
					t.Errorf("the refusal does not name %s:\n%s", flag, out)
				}
			}
			if tt.wantCode == 2 && (s.sim.Stats().Writes != before || other.sim.Stats().Writes != otherBefore) {
				t.Errorf("the refused resume wrote to a server")
			}
		})
	}
}

// Issue 15 item 7 (What to build 5): --token-file given the token itself (no such file) is
// refused without echoing it.
func TestProofTokenFileArgumentNotEchoed(t *testing.T) {
	const token = "ak-3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d"
	for _, cmd := range []string{"import", "undo"} {
		t.Run(cmd, func(t *testing.T) {
			dir := t.TempDir()
			input := writeFile(t, dir, "users.csv", "username\nalice\n")
			env := map[string]string{"AUTHENTIK_URL": "http://127.0.0.1:1"}
			code, out := runInProcess(t, env, cmd, "--token-file", token, "--report", filepath.Join(dir, "r.csv"), input)
			if code != 2 {
				t.Errorf("exit %d, want 2\n%s", code, out)
			}
			if strings.Contains(out, token) || strings.Contains(out, token[:16]) {
				t.Errorf("the token given as --token-file is echoed:\n%s", out)
			}
		})
	}
}

// Issue 15 item 7 (What to build 5): a --url with a query string is never echoed whole: not
// on stderr, not in the report, not in the summary.
func TestProofURLQueryNotEchoed(t *testing.T) {
	const secret = "Sekr3tQueryValue"
	s := startSim(t, authentiktest.Options{}, nil)
	tests := []struct{ name, url string }{
		{"reachable", s.srv.URL + "/?key=" + secret},
		{"unreachable", "http://127.0.0.1:1/?key=" + secret},
		{"with a path", s.srv.URL + "/auth/?session=" + secret + "&x=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			input := writeFile(t, dir, "users.csv", "username,name\nalice,Alice\n")
			rep, sum := filepath.Join(dir, "report.csv"), filepath.Join(dir, "summary.json")
			env := map[string]string{"AUTHENTIK_TOKEN": simToken}
			_, out := runInProcess(t, env, "import", "--url", tt.url, "--rate", "0", "--retries", "0", "--progress", "never", "-v",
				"--report", rep, "--summary-json", sum, input)
			files := map[string]string{"stderr": out}
			for _, p := range []string{rep, sum} {
				b, _ := os.ReadFile(p)
				files[filepath.Base(p)] = string(b)
			}
			for where, text := range files {
				if strings.Contains(text, secret) {
					t.Errorf("the URL's query is echoed in %s:\n%s", where, text)
				}
			}
		})
	}
}

// Issue 15 item 7 (What to build 5): --report or --summary-json equal to --token-file is a
// usage error, and the token file stays as it was (not moved aside, not overwritten).
func TestProofOutputsNeverTheTokenFile(t *testing.T) {
	for _, flag := range []string{"--report", "--summary-json"} {
		for _, spelling := range []string{"same path", "another spelling"} {
			t.Run(flag+"/"+spelling, func(t *testing.T) {
				s := startSim(t, authentiktest.Options{}, nil)
				dir := t.TempDir()
				tokenFile := writeFile(t, dir, "token", simToken+"\n")
				input := writeFile(t, dir, "users.csv", "username,name\nalice,Alice\n")
				out := tokenFile
				if spelling == "another spelling" {
					out = dir + "/./token"
				}
				args := []string{"import", "--url", s.srv.URL, "--token-file", tokenFile, "--rate", "0", "--progress", "never", input}
				if flag != "--report" {
					args = append(args, "--report", filepath.Join(dir, "report.csv"))
				}
				code, text := runInProcess(t, map[string]string{}, append(args, flag, out)...)
				if code != 2 {
					t.Errorf("exit %d, want 2\n%s", code, text)
				}
				if b, err := os.ReadFile(tokenFile); err != nil || string(b) != simToken+"\n" {
					t.Errorf("the token file was changed or moved: %q, %v", b, err)
				}
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					if strings.HasPrefix(e.Name(), "token") && e.Name() != "token" {
						t.Errorf("a copy of the token file was made: %s", e.Name())
					}
				}
				if s.sim.CreateCount("alice") != 0 {
					t.Errorf("alice was created: the run went on")
				}
			})
		}
	}
}
