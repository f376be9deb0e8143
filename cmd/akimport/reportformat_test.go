package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// `akimport import --format jsonl --report - --report-format jsonl -` prints one JSON object
// per input row on stdout (for jq), invalid rows included, and nothing else.
func TestJSONLReportOnStdout(t *testing.T) {
	s := startSim(t, authentiktest.Options{}, nil)
	input := `{"username":"ann","name":"Ann"}
{"username":"bob","name":"Bob","email":"not an address"}

{"username":"cid","name":"Cid"}
`
	cmd := exec.Command(akimportBinary(t), "import", "--format", "jsonl", "--report", "-", "--report-format", "jsonl", "--progress", "never", "-")
	cmd.Env = []string{"AUTHENTIK_URL=" + s.srv.URL, "AUTHENTIK_TOKEN=" + simToken, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 { // bob is invalid
		t.Fatalf("exit code %d (%v), want 1; stderr:\n%s", code, err, &stderr)
	}
	want := map[int]string{1: "created", 2: "invalid", 4: "created"}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(want), &stdout)
	}
	for _, l := range lines {
		var row struct {
			Line   int    `json:"line"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("not a JSON object: %q: %v", l, err)
		}
		if want[row.Line] != row.Status {
			t.Errorf("line %d: status %q, want %q", row.Line, row.Status, want[row.Line])
		}
		delete(want, row.Line)
	}
	if entries, _ := os.ReadDir(cmd.Dir); len(entries) != 0 {
		t.Errorf("files written in the working directory: %v", entries)
	}
}
