package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/importer/record"
	"github.com/akimport/akimport/report"
)

// A resume is refused when the mapping file, --reactivate or --groups-mode differ from the
// run it resumes: they change what the same rows mean.
func TestResumeRefusesAnotherMapping(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	mapping := h.write("m.yaml", "columns:\n  login: username\n")
	cfg := h.config(h.write("u.csv", "login,name\na,A\n"))
	cfg.MappingFile = mapping
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	cfg.ResumeFrom = cfg.ReportPath
	if err := os.WriteFile(mapping, []byte("columns:\n  login: username\n  name: email\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Run(context.Background(), cfg); importer.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--mapping") {
		t.Errorf("resume with another mapping: %v, want exit 2 naming --mapping", err)
	}
	cfg.MappingFile = h.write("m2.yaml", "columns:\n  login: username\n")
	cfg.OnExisting, cfg.Reactivate = importer.OnExistingUpdate, true
	if _, err := importer.Run(context.Background(), cfg); importer.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--reactivate") {
		t.Errorf("resume with --reactivate: %v, want exit 2 naming it", err)
	}
}

// Undo of a row whose create was unclear finds its user by username; a user of that name
// created after the import ended (above the run record's end pk) is someone else's.
func TestUndoUnclearRowNeverTakesAYoungerUser(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{{User: authentik.User{Username: "old", IsActive: true}}}})
	importReport := filepath.Join(h.dir, "import.csv")
	w, _, err := record.Create(importReport, report.FormatCSV, nil, &record.Run{URL: h.srv.URL, MarkPK: 1, MarkProven: true, EndPK: 1}, false)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(report.Result{Line: 2, Username: "late", Status: report.StatusFailed, Error: "create user: no answer (the user may have been created; --resume checks before creating again)"})
	w.Close()
	// "late" appears only after the import ended: pk 2 is above its end pk 1.
	seed := h.config(h.write("late.csv", "username,name\nlate,Late\n"))
	seed.ReportPath = filepath.Join(h.dir, "seed.csv")
	if _, err := importer.Run(context.Background(), seed); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Undo(context.Background(), h.undoConfig(importReport)); err != nil {
		t.Fatalf("Undo: %v", err)
	}
	rows := readUndoReport(t, filepath.Join(h.dir, "undo.csv"))
	if u, _ := h.sim.UserByUsername("late"); !u.IsActive || rows["late"]["status"] != "skipped" || !strings.Contains(rows["late"]["error"], "after the import ended") {
		t.Errorf("late: active %v, undo row %v; want it left alone, after the import ended", u.IsActive, rows["late"])
	}
}

// An inactive user gets no recovery e-mail, and that is no failure: the run exits 0 and a
// resume has nothing to finish.
func TestInactiveUserGetsNoEmailAndNoFailure(t *testing.T) {
	h := migrationHarness(t, "2026.5.0")
	cfg := h.config(h.write("u.csv", "username,name,email,is_active\nsleeper,S,s@example.com,false\n"))
	cfg.SendRecoveryEmail = onboardingStage
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v, want success", err)
	}
	rows := readReport(t, cfg.ReportPath)
	if len(rows) != 1 || rows[0].Onboarding != report.OnboardingInactive || rows[0].Failed() || !rows[0].Done() {
		t.Errorf("row %+v, want created, onboarding %q, done", rows, report.OnboardingInactive)
	}
	if n := len(h.sim.RecoveryEmails()); n != 0 {
		t.Errorf("%d e-mails sent to an inactive user", n)
	}
}
