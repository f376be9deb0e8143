package importer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

const missingGroup = "0b0e5a3c-9d1f-4e2a-8b7c-6d5e4f3a2b1c" // no such group: authentik answers 400

// mixedCSV makes n rows; every badEvery-th (from the third) names a group that does not
// exist, which authentik rejects (400). It returns the file and which lines are bad.
func mixedCSV(n, badEvery int, prefix string) (string, map[int]bool) {
	var b strings.Builder
	bad := map[int]bool{}
	b.WriteString("username,name,groups\n")
	for i := range n {
		groups := ""
		if i%badEvery == 2 {
			groups = missingGroup
			bad[i+2] = true
		}
		fmt.Fprintf(&b, "%s%04d,User %d,%s\n", prefix, i, i, groups)
	}
	return b.String(), bad
}

// --max-errors N stops the run cleanly after N rows failed on the server; rows never sent
// stay out of the report, so a later --resume sends them and the last report covers every
// line once.
func TestMaxErrorsStopsThenResumeFinishes(t *testing.T) {
	const rows, badEvery = 200, 10
	tests := []struct {
		name        string
		maxErrors   int
		concurrency int
	}{
		{name: "one worker, stop at 3", maxErrors: 3, concurrency: 1},
		{name: "one worker, stop at 1", maxErrors: 1, concurrency: 1},
		{name: "four workers, stop at 5", maxErrors: 5, concurrency: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{})
			content, bad := mixedCSV(rows, badEvery, "m")
			cfg := h.config(h.write("users.csv", content))
			cfg.Concurrency = tt.concurrency
			cfg.MaxErrors = tt.maxErrors
			_, err := importer.Run(context.Background(), cfg)
			if !errors.Is(err, importer.ErrMaxErrors) || importer.ExitCode(err) != importer.ExitRowsFailed {
				t.Fatalf("err = %v, want ErrMaxErrors (exit 1)", err)
			}
			first := readReport(t, cfg.ReportPath)
			c := countStatus(first)
			if c[report.StatusRejected] < tt.maxErrors || c[report.StatusRejected] > tt.maxErrors+tt.concurrency {
				t.Errorf("%d rows rejected, want %d (at most %d more in flight)", c[report.StatusRejected], tt.maxErrors, tt.concurrency)
			}
			if len(first) >= rows/2 {
				t.Errorf("the report has %d of %d rows: the run did not stop early", len(first), rows)
			}
			// What was sent is exactly what was reported: each reported row was sent once,
			// and no row outside the report reached authentik.
			reported := map[string]bool{}
			for _, r := range first {
				reported[r.Username] = true
				if bad[r.Line] != (r.Status == report.StatusRejected) || (!bad[r.Line] && r.Status != report.StatusCreated) {
					t.Errorf("line %d: %s %q", r.Line, r.Status, r.Error)
				}
			}
			for i := range rows {
				u := fmt.Sprintf("m%04d", i)
				if n := h.sim.CreateCount(u); (n == 1) != (reported[u] && !bad[i+2]) || n > 1 {
					t.Errorf("%s: created %d times, reported %v", u, n, reported[u])
				}
			}
			if sent, want := h.sim.Stats().Requests["POST /core/users/"], int64(len(first)); sent != want {
				t.Errorf("%d creates sent, %d rows reported: want equal", sent, want)
			}

			cfg.MaxErrors = 0
			cfg.ResumeFrom = cfg.ReportPath
			_, err = importer.Run(context.Background(), cfg)
			if !errors.Is(err, importer.ErrRowsFailed) {
				t.Fatalf("resume: err = %v, want ErrRowsFailed (the bad rows are still bad)", err)
			}
			final := readReport(t, cfg.ReportPath)
			if len(final) != rows {
				t.Errorf("the final report has %d rows, want %d", len(final), rows)
			}
			for i, r := range final {
				wantStatus := report.StatusCreated
				if bad[r.Line] {
					wantStatus = report.StatusRejected
				}
				if r.Line != i+2 || r.Status != wantStatus {
					t.Errorf("final report row %d: line %d %s, want line %d %s", i, r.Line, r.Status, i+2, wantStatus)
				}
			}
			if got, want := len(h.sim.Users()), rows-len(bad); got != want {
				t.Errorf("the simulator holds %d users, want %d", got, want)
			}
			for _, u := range h.sim.Users() {
				if n := h.sim.CreateCount(u.Username); n != 1 {
					t.Errorf("%s created %d times", u.Username, n)
				}
			}
		})
	}
}
