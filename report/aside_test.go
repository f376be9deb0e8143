package report

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMoveAside(t *testing.T) {
	now := time.Date(2026, 12, 3, 11, 15, 0, 0, time.FixedZone("CET", 3600))
	const stamp = ".prev-20261203T101500Z" // UTC, whatever the local zone
	tests := []struct {
		name     string
		existing map[string]string // files before, by name in the test's directory
		path     string            // "" = the directory's report.csv
		want     string            // the aside name, "" = nothing moved
	}{
		{name: "nothing there", want: ""},
		{name: "a report", existing: map[string]string{"report.csv": "first"}, want: "report.csv" + stamp},
		{name: "an earlier copy from the same second is kept",
			existing: map[string]string{"report.csv": "second", "report.csv" + stamp: "first"},
			want:     "report.csv" + stamp + "-2"},
		{name: "two earlier copies",
			existing: map[string]string{"report.csv": "third", "report.csv" + stamp: "first", "report.csv" + stamp + "-2": "second"},
			want:     "report.csv" + stamp + "-3"},
		{name: "stdout", path: "-", want: ""},
		{name: "not a regular file (a directory here; /dev/null in real use)", path: "dir", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.existing {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			path := tt.path
			switch path {
			case "":
				path = filepath.Join(dir, "report.csv")
			case "dir":
				path = filepath.Join(dir, "dir")
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			got, err := MoveAside(path, now)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want != "" {
				want = filepath.Join(dir, want)
			}
			if got != want {
				t.Fatalf("MoveAside = %q, want %q", got, want)
			}
			if want == "" {
				if entries, _ := os.ReadDir(dir); len(entries) > len(tt.existing)+1 {
					t.Errorf("files appeared: %v", entries)
				}
				return
			}
			if b, err := os.ReadFile(got); err != nil || string(b) != tt.existing["report.csv"] {
				t.Errorf("aside copy holds %q (%v), want %q", b, err, tt.existing["report.csv"])
			}
			if _, err := os.Stat(path); err == nil {
				t.Errorf("%s is still there", path)
			}
			for name, content := range tt.existing {
				if name == "report.csv" {
					continue
				}
				if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != content {
					t.Errorf("earlier copy %s now holds %q, want %q", name, b, content)
				}
			}
		})
	}
}
