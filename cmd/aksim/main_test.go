package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(config) bool
		wantErr string
	}{
		{"defaults", []string{"--token", "T"}, nil, func(c config) bool {
			return c.listen == "127.0.0.1:0" && c.capacity == 8 && c.seed == 1 && c.retryAfter == time.Second && c.faultRoutes == "POST /core/users/"
		}, ""},
		{"token from the environment", nil, map[string]string{"AUTHENTIK_TOKEN": "E"}, func(c config) bool { return c.token == "E" }, ""},
		{"flag wins over the environment", []string{"--token", "F"}, map[string]string{"AUTHENTIK_TOKEN": "E"}, func(c config) bool { return c.token == "F" }, ""},
		{"all flags", []string{"--listen", "127.0.0.1:9000", "--token", "T", "--latency", "20ms", "--jitter", "5ms", "--capacity", "4",
			"--seed", "9", "--fail-503", "0.05", "--fail-504", "0.01", "--fail-429", "0.05", "--retry-after", "2s", "--fail-500", "0.02",
			"--lost-answer", "0.05", "--verbose"}, nil, func(c config) bool {
			return c.listen == "127.0.0.1:9000" && c.latency == 20*time.Millisecond && c.jitter == 5*time.Millisecond && c.capacity == 4 &&
				c.seed == 9 && c.fail503 == 0.05 && c.fail504 == 0.01 && c.fail429 == 0.05 && c.retryAfter == 2*time.Second &&
				c.fail500 == 0.02 && c.lostAnswer == 0.05 && c.verbose
		}, ""},
		{"no token", nil, nil, nil, "no token"},
		{"stray argument", []string{"--token", "T", "extra"}, nil, nil, "unexpected argument"},
		{"bad duration", []string{"--token", "T", "--latency", "soon"}, nil, nil, "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArgs(tt.args, env(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseArgs: %v", err)
			}
			if !tt.want(got) {
				t.Errorf("config %+v", got)
			}
		})
	}
}

func TestSampleGroupsAndSeedUsers(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.json")
	if err := os.WriteFile(users, []byte(`[{"username":"a","name":"A"},{"username":"b","is_active":false,"password":"p"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := config{token: "T", groupsFile: "../../samples/groups.json", usersFile: users, faultRoutes: "POST /core/users/, GET /core/users/"}
	opts, err := c.options()
	if err != nil {
		t.Fatalf("options: %v", err)
	}
	if len(opts.Groups) != 4 || opts.Groups[0].Name != "staff" {
		t.Errorf("groups %+v, want the 4 sample groups", opts.Groups)
	}
	if len(opts.Users) != 2 || !opts.Users[0].IsActive || opts.Users[1].IsActive || opts.Users[1].Password != "p" {
		t.Errorf("users %+v", opts.Users)
	}
	if got := opts.Faults.Routes; len(got) != 2 || got[1] != authentiktest.RouteListUsers {
		t.Errorf("fault routes %q", got)
	}
	if _, err := authentiktest.New(opts); err != nil {
		t.Errorf("New with the sample files: %v", err)
	}
	if _, err := (config{token: "T", groupsFile: filepath.Join(dir, "missing.json")}).options(); err == nil {
		t.Error("a missing groups file was accepted")
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--groups", "../../samples/groups.json", "--verbose"},
			env(map[string]string{"AUTHENTIK_TOKEN": "T"}), &stdout, &stderr)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.HasSuffix(stdout.String(), "\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no listening line; stderr: %s", stderr.String())
		}
		time.Sleep(time.Millisecond)
	}
	line := stdout.String()
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "aksim listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") || strings.Count(line, "\n") != 1 {
		t.Fatalf("stdout %q, want one listening line", line)
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", url+"/api/v3/core/users/", strings.NewReader(`{"username":"a","name":"A"}`))
	req.Header.Set("Authorization", "Bearer T")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: status %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d, want 0; stderr %s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	errText := stderr.String()
	if !strings.Contains(errText, "POST /api/v3/core/users/ 201") {
		t.Errorf("verbose log lacks the request: %s", errText)
	}
	if strings.Contains(errText, "Bearer") {
		t.Error("the log shows the token")
	}
	var stats authentiktest.Stats
	if err := json.Unmarshal([]byte(errText[strings.Index(errText, "{"):]), &stats); err != nil || stats.Creates != 1 {
		t.Errorf("stats on stderr: %v %+v", err, stats)
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	var stderr syncBuffer
	code := run(context.Background(), []string{"--listen", "0.0.0.0:0", "--token", "T"}, env(nil), io.Discard, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "not a loopback address") {
		t.Errorf("exit %d, stderr %q; want a refusal", code, stderr.String())
	}
}

// --capacity-schedule reaches the simulator's options; a bad one is a usage error.
func TestCapacityScheduleFlag(t *testing.T) {
	c, err := parseArgs([]string{"--token", "T", "--capacity", "4", "--capacity-schedule", "0s:16,10s:4"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := c.options()
	if err != nil {
		t.Fatal(err)
	}
	want := []authentiktest.CapacityStep{{After: 0, Capacity: 16}, {After: 10 * time.Second, Capacity: 4}}
	if opts.Capacity != 4 || len(opts.CapacitySchedule) != 2 || opts.CapacitySchedule[0] != want[0] || opts.CapacitySchedule[1] != want[1] {
		t.Errorf("options capacity %d, schedule %v; want 4, %v", opts.Capacity, opts.CapacitySchedule, want)
	}
	c.schedule = "10s:4,0s:16"
	if _, err := c.options(); err == nil || !strings.Contains(err.Error(), "--capacity-schedule") {
		t.Errorf("a decreasing schedule: err %v, want one naming --capacity-schedule", err)
	}
}

// F-V1, F-S1, F-R1: --version, --starting, --email-stages and --no-recovery-flow reach the
// simulator's options.
func TestMigrationFlags(t *testing.T) {
	cfg, err := parseArgs([]string{"--token", "t", "--version", "2025.10.4", "--starting", "3s", "--email-stages", "a, b", "--no-recovery-flow"},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.options()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Version != "2025.10.4" || opts.StartingFor != 3*time.Second || !opts.NoRecoveryFlow ||
		len(opts.EmailStages) != 2 || opts.EmailStages[1].Name != "b" || opts.EmailStages[0].PK != authentiktest.NameUUID("a") {
		t.Errorf("options %+v", opts)
	}
}
