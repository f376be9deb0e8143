package importer

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func zapNop() *zap.Logger { return zap.NewNop() }

// A row is open from its "sending" record until the report holds its outcome, unless the
// journal marks it unsure; a torn last record (a crash mid-write) was never synced.
func TestJournalOpenRows(t *testing.T) {
	reported := &lineSet{}
	for _, line := range []int{2, 3, 5} {
		reported.add(line)
	}
	tests := []struct {
		name, text string
		want       []int
	}{
		{"nothing", journalHeader, nil},
		{"sent, no outcome in the report", journalHeader + "sending 4\nsending 7\n", []int{4, 7}},
		// A row the report has (say `exists`) is closed, however the process died after it.
		{"sent and reported", journalHeader + "sending 2\nsending 3\n", nil},
		{"reported but unsure", journalHeader + "sending 2\nsending 5\nunsure 5\n", []int{5}},
		{"unsure and lost from the report", journalHeader + "sending 7\nunsure 7\n", []int{7}},
		{"torn last record", journalHeader + "sending 2\nsending 1", nil},
		{"torn unsure mark", journalHeader + "sending 3\nunsure 3", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.csv.journal")
			if err := os.WriteFile(path, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := readJournal(path, reported)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("open rows %v (%v), want %v", got, err, tt.want)
			}
		})
	}
	if got, err := readJournal(filepath.Join(t.TempDir(), "missing"), reported); err != nil || got != nil {
		t.Errorf("a missing journal: %v %v, want no open rows", got, err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	_ = os.WriteFile(bad, []byte("nonsense 1\n"), 0o600)
	if _, err := readJournal(bad, reported); err == nil {
		t.Error("a file that is no journal was read as one")
	}
}

// A journal writes what it is told, carries rows over, and removes itself when every row
// was settled; one with open rows stays for --resume.
func TestJournalLifecycle(t *testing.T) {
	dir := t.TempDir()
	path := journalPath(filepath.Join(dir, "report.csv"))
	j, err := createJournal(path, []int{9})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.intend([]int{2, 3}); err != nil {
		t.Fatal(err)
	}
	for _, line := range []int{2, 3, 9} {
		j.settle(line)
	}
	if open, err := j.finish(); err != nil || open != 0 {
		t.Fatalf("finish: %d open, %v", open, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a settled journal was kept: %v", err)
	}
	j, _ = createJournal(path, nil)
	_ = j.intend([]int{4, 6})
	_ = j.unsure(6)
	if open, _ := j.finish(); open != 2 {
		t.Errorf("%d open, want 2", open)
	}
	reported := &lineSet{}
	reported.add(6)
	if got, _ := readJournal(path, reported); !reflect.DeepEqual(got, []int{4, 6}) {
		t.Errorf("open rows %v, want [4 6]", got)
	}
}

// --deactivate-missing reads the file a second time; a file that changed since the run
// fingerprinted it stops the run before anything changes.
func TestDeactivationChecksTheFingerprint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hr.csv")
	if err := os.WriteFile(path, []byte("username,name\nalice,Alice\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Defaults()
	cfg.Input, cfg.ScopePath = path, "users/staff"
	cfg.Logger = zapNop()
	in, err := openInput(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	in.rc.Close()
	snap := newSnapshot("users/staff", 0)
	if _, err := planDeactivation(&cfg, in, nil, snap, cfg.Logger); err != nil {
		t.Fatalf("the same file: %v", err)
	}
	if err := os.WriteFile(path, []byte("username,name\n"), 0o600); err != nil { // the export was rewritten
		t.Fatal(err)
	}
	_, err = planDeactivation(&cfg, in, nil, snap, cfg.Logger)
	var usage *UsageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "changed while it was being read") {
		t.Errorf("a changed file: %v, want a usage error saying it changed", err)
	}
}
