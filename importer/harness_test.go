package importer_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

const testToken = "test-token-3f9a1c7e5b"

// harness is one simulator behind httptest, and a temp dir for inputs and reports.
type harness struct {
	t   *testing.T
	sim *authentiktest.Server
	srv *httptest.Server
	dir string
	log *syncBuffer
}

// syncBuffer collects logs from many goroutines.
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

func sampleGroups(t *testing.T) []authentik.Group {
	t.Helper()
	b, err := os.ReadFile("../samples/groups.json")
	if err != nil {
		t.Fatal(err)
	}
	var groups []authentik.Group
	if err := json.Unmarshal(b, &groups); err != nil {
		t.Fatal(err)
	}
	return groups
}

func newHarness(t *testing.T, opts authentiktest.Options) *harness {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.Groups == nil {
		opts.Groups = sampleGroups(t)
	}
	sim, err := authentiktest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &harness{t: t, sim: sim, srv: srv, dir: t.TempDir(), log: &syncBuffer{}}
}

// config is a fast configuration against the harness: no rate limit, millisecond backoff.
func (h *harness) config(input string) importer.Config {
	cfg := importer.Defaults()
	cfg.Input = input
	cfg.URL = h.srv.URL
	cfg.Token = testToken
	cfg.ReportPath = filepath.Join(h.dir, "report.csv")
	cfg.Rate = 0
	cfg.Concurrency = 8
	cfg.Timeout = 5 * time.Second
	cfg.Backoff = authentik.Backoff{Min: time.Millisecond, Max: 4 * time.Millisecond, MaxRetryAfter: 5 * time.Millisecond}
	cfg.Progress = "never"
	cfg.Stderr = h.log
	cfg.Logger = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(h.log), zapcore.DebugLevel))
	return cfg
}

func (h *harness) write(name, content string) string {
	h.t.Helper()
	p := filepath.Join(h.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// readReport reads a report back, sorted by line then username.
func readReport(t *testing.T, path string) []report.Result {
	t.Helper()
	var rows []report.Result
	if err := report.ReadFile(path, func(r report.Result) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatalf("reading the report: %v", err)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Line != rows[j].Line {
			return rows[i].Line < rows[j].Line
		}
		return rows[i].Username < rows[j].Username
	})
	return rows
}

func countStatus(rows []report.Result) map[report.Status]int {
	m := map[report.Status]int{}
	for _, r := range rows {
		m[r.Status]++
	}
	return m
}

// writesOf counts the requests that could change the simulator's state.
func writesOf(s authentiktest.Stats) int64 {
	var n int64
	for route, c := range s.Requests {
		if strings.HasPrefix(route, "POST") || strings.HasPrefix(route, "PATCH") {
			n += c
		}
	}
	return n
}
