package importer_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// importFifty imports 50 users and returns the import report's path.
func importFifty(t *testing.T, h *harness) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("username,name\n")
	for i := range 50 {
		fmt.Fprintf(&b, "user%02d,User %d\n", i, i)
	}
	cfg := h.config(h.write("users.csv", b.String()))
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("import: %v", err)
	}
	return cfg.ReportPath
}

func (h *harness) undoConfig(importReport string) importer.UndoConfig {
	cfg := h.config("")
	u := importer.UndoDefaults()
	u.Report, u.URL, u.Token = importReport, cfg.URL, cfg.Token
	u.ReportPath = filepath.Join(h.dir, "undo.csv")
	u.Rate, u.Backoff, u.Logger, u.Stderr = 0, cfg.Backoff, cfg.Logger, h.log
	return u
}

// writeRequests counts the requests that change state, deletes included (F-D1).
func writeRequests(s authentiktest.Stats) int64 {
	return writesOf(s) + s.Requests[authentiktest.RouteDeleteUser]
}

// F-D1, F-L2: undo deactivates the users the import created, skips the one replaced by
// hand; a dry run writes nothing; --delete deletes; undoing twice is harmless.
func TestUndo(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	importReport := importFifty(t, h)
	if _, _, ok := h.sim.ReplaceUser("user07"); !ok {
		t.Fatal("ReplaceUser")
	}

	t.Run("dry run writes nothing", func(t *testing.T) {
		before := writeRequests(h.sim.Stats())
		u := h.undoConfig(importReport)
		u.DryRun = true
		sum, err := importer.Undo(context.Background(), u)
		if err != nil {
			t.Fatalf("Undo: %v", err)
		}
		if after := writeRequests(h.sim.Stats()); after != before {
			t.Errorf("%d write requests in a dry run", after-before)
		}
		if sum.Counts[report.StatusPlanned] != 49 || sum.Counts[importer.StatusSkipped] != 1 {
			t.Errorf("counts %v, want 49 planned, 1 skipped", sum.Counts)
		}
	})

	t.Run("deactivate", func(t *testing.T) {
		sum, err := importer.Undo(context.Background(), h.undoConfig(importReport))
		if err != nil {
			t.Fatalf("Undo: %v", err)
		}
		if sum.Counts[report.StatusDeactivated] != 49 || sum.Counts[importer.StatusSkipped] != 1 {
			t.Errorf("counts %v, want 49 deactivated, 1 skipped", sum.Counts)
		}
		rows := readUndoReport(t, filepath.Join(h.dir, "undo.csv"))
		if r := rows["user07"]; r["status"] != "skipped" || !strings.Contains(r["error"], "gone") {
			t.Errorf("user07: %v", r)
		}
		active := 0
		for _, u := range h.sim.Users() {
			if u.IsActive {
				active++
				if u.Username != "user07" {
					t.Errorf("%s is still active", u.Username)
				}
			}
		}
		if active != 1 {
			t.Errorf("%d active users, want 1 (the replaced one)", active)
		}
	})

	t.Run("twice is harmless", func(t *testing.T) {
		sum, err := importer.Undo(context.Background(), h.undoConfig(importReport))
		if err != nil || sum.Counts[importer.StatusSkipped] != 50 {
			t.Errorf("second undo: %v, counts %v; want 50 skipped", err, sum.Counts)
		}
	})

	t.Run("delete", func(t *testing.T) {
		u := h.undoConfig(importReport)
		u.Delete = true
		sum, err := importer.Undo(context.Background(), u)
		if err != nil {
			t.Fatalf("Undo: %v", err)
		}
		if sum.Counts[importer.StatusDeleted] != 49 || sum.Counts[importer.StatusSkipped] != 1 {
			t.Errorf("counts %v, want 49 deleted, 1 skipped", sum.Counts)
		}
		if users := h.sim.Users(); len(users) != 1 || users[0].Username != "user07" {
			t.Errorf("left: %v, want only the replaced user07", users)
		}
	})
}

func TestDecideUndoSkipsOtherUser(t *testing.T) {
	// The uuid is the identity: a pk that holds another user is never touched.
	h := newHarness(t, authentiktest.Options{})
	importReport := h.write("import.csv", "line,username,status,http_status,pk,uuid,attempts,error,warnings\n2,x,created,201,1,00000000-0000-4000-8000-000000000000,1,,\n")
	h.write("import.csv.run.json", `{"url": "`+h.srv.URL+`", "mark_pk": 0, "mark_proven": true}`)
	h.sim.ReplaceUser("nobody")
	seedCfg := h.config(h.write("one.csv", "username,name\nx,X\n"))
	if _, err := importer.Run(context.Background(), seedCfg); err != nil {
		t.Fatal(err)
	}
	sum, err := importer.Undo(context.Background(), h.undoConfig(importReport))
	if err != nil || sum.Counts[importer.StatusSkipped] != 1 {
		t.Fatalf("Undo: %v, %v", err, sum.Counts)
	}
	rows := readUndoReport(t, filepath.Join(h.dir, "undo.csv"))
	if !strings.Contains(rows["x"]["error"], "replaced") {
		t.Errorf("row %v, want replaced", rows["x"])
	}
	if u, _ := h.sim.UserByUsername("x"); !u.IsActive {
		t.Error("the other user was deactivated")
	}
}

// readUndoReport reads the undo's CSV report: username → column → cell. (report.Read reads
// import reports, whose statuses it checks.)
func readUndoReport(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("undo report: %v", err)
	}
	out := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, name := range recs[0] {
			row[name] = rec[i]
		}
		out[row["username"]] = row
	}
	return out
}
