package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akimport/akimport/report"
)

// A report already at the path is moved aside with its run record, and only when the new
// run creates its report; the new record is written beside the new report.
func TestCreateMovesTheReportWithItsRecord(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	w, _, err := Create(path, report.FormatCSV, nil, &Run{Input: "sha256:1", MarkPK: 41, MarkProven: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	w, moved, err := Create(path, report.FormatCSV, nil, &Run{Input: "sha256:2"}, false)
	if err != nil || moved == "" {
		t.Fatalf("second Create: %q %v", moved, err)
	}
	w.Close()
	if old, found, err := ReadRun(moved); err != nil || !found || old.MarkPK != 41 || old.Input != "sha256:1" {
		t.Errorf("the moved report's record: %+v %v %v", old, found, err)
	}
	if now, found, _ := ReadRun(path); !found || now.Input != "sha256:2" {
		t.Errorf("the new record: %+v", now)
	}
	// A dry run (no record) moves the report and its record together too, and writes none.
	w, moved, err = Create(path, report.FormatCSV, nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, found, _ := ReadRun(path); found {
		t.Error("a dry run's report has a run record")
	}
	if _, found, _ := ReadRun(moved); !found {
		t.Error("the record did not move with its report")
	}
}

// One run at a time per report: a second lock fails naming the holder; released, it works.
func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	release, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(path); err == nil || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second lock: %v, want a refusal naming the holder", err)
	}
	release()
	release2, err := Lock(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	release2()
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("the lock file is left behind: %v", err)
	}
}

func TestRegular(t *testing.T) {
	dir := t.TempDir()
	for path, want := range map[string]bool{"-": false, os.DevNull: false, dir: false, filepath.Join(dir, "new.csv"): true} {
		if got := Regular(path); got != want {
			t.Errorf("Regular(%s) = %v, want %v", path, got, want)
		}
	}
}
