package importer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// mixedCSV makes n rows; every badEvery-th (from the third) is a username authentik already
// has (seed), which --on-existing fail reports as a failed `exists` once authentik answers
// "must be unique" (400). It returns the file, which lines are bad, and the users to seed.
func mixedCSV(n, badEvery int, prefix string) (string, map[int]bool, []authentiktest.SeedUser) {
	var b strings.Builder
	bad := map[int]bool{}
	var seed []authentiktest.SeedUser
	b.WriteString("username,name\n")
	for i := range n {
		if i%badEvery == 2 {
			bad[i+2] = true
			seed = append(seed, authentiktest.SeedUser{User: authentik.User{Username: fmt.Sprintf("%s%04d", prefix, i), Name: "Someone else", IsActive: true}})
		}
		fmt.Fprintf(&b, "%s%04d,User %d\n", prefix, i, i)
	}
	return b.String(), bad, seed
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
			content, bad, seed := mixedCSV(rows, badEvery, "m")
			h := newHarness(t, authentiktest.Options{Users: seed})
			cfg := h.config(h.write("users.csv", content))
			cfg.Concurrency = tt.concurrency
			cfg.MaxErrors = tt.maxErrors
			_, err := importer.Run(context.Background(), cfg)
			if !errors.Is(err, importer.ErrMaxErrors) || importer.ExitCode(err) != importer.ExitRowsFailed {
				t.Fatalf("err = %v, want ErrMaxErrors (exit 1)", err)
			}
			first := readReport(t, cfg.ReportPath)
			c := countStatus(first)
			if c[report.StatusExists] < tt.maxErrors || c[report.StatusExists] > tt.maxErrors+tt.concurrency {
				t.Errorf("%d rows exist, want %d (at most %d more in flight)", c[report.StatusExists], tt.maxErrors, tt.concurrency)
			}
			if len(first) >= rows/2 {
				t.Errorf("the report has %d of %d rows: the run did not stop early", len(first), rows)
			}
			// What was sent is exactly what was reported: each reported row was sent once,
			// and no row outside the report reached authentik.
			reported := map[string]bool{}
			for _, r := range first {
				reported[r.Username] = true
				if bad[r.Line] != (r.Status == report.StatusExists) || (!bad[r.Line] && r.Status != report.StatusCreated) {
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
					wantStatus = report.StatusExists
				}
				if r.Line != i+2 || r.Status != wantStatus {
					t.Errorf("final report row %d: line %d %s, want line %d %s", i, r.Line, r.Status, i+2, wantStatus)
				}
			}
			if got, want := len(h.sim.Users()), rows; got != want {
				t.Errorf("the simulator holds %d users, want %d", got, want)
			}
			for i, u := range h.sim.Users() {
				if n := h.sim.CreateCount(u.Username); n != 1 && !bad[i+2] {
					t.Errorf("%s created %d times", u.Username, n)
				}
			}
		})
	}
}
