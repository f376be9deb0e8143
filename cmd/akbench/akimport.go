package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// importRun is what one akimport process did, measured by the kernel and by itself.
type importRun struct {
	wall    time.Duration // the whole process, start to exit
	cpu     time.Duration // user + system time of the process
	maxRSS  int64         // peak resident set size, bytes (VmHWM, see peakrss.go)
	files   []string      // the files it was seen to have open
	summary summary       // its --summary-json
	stderr  string
}

// summary is the part of akimport's --summary-json the benchmark reads.
type summary struct {
	Rows           int64            `json:"rows"`
	Counts         map[string]int64 `json:"counts"`
	ElapsedSeconds float64          `json:"elapsed_seconds"`
	RowsPerSecond  float64          `json:"rows_per_second"`
	ExitCode       int              `json:"exit_code"`
	Concurrency    *struct {
		Limit   int `json:"limit"`
		MinSeen int `json:"min_seen"`
		MaxSeen int `json:"max_seen"`
	} `json:"concurrency"`
}

// runImport runs `akimport import` with args on input, against url (offline when empty),
// writing its report, summary and extra files into dir. A run that exits non-zero, or
// reports fewer rows than wantRows, is an error: its figures would measure something else.
func (b *bench) runImport(ctx context.Context, name, url, input string, wantRows int64, args ...string) (importRun, error) {
	summaryPath := filepath.Join(b.dir, name+"-summary.json")
	full := append([]string{"import",
		"--report", filepath.Join(b.dir, name+"-report.csv"),
		"--summary-json", summaryPath,
		"--progress", "never",
	}, args...)
	full = append(full, input)
	cmd := exec.CommandContext(ctx, b.opts.bin, full...)
	cmd.Env = append(cleanEnv(), "AUTHENTIK_URL="+url)
	if url != "" {
		cmd.Env = append(cmd.Env, "AUTHENTIK_TOKEN="+benchToken)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	began := time.Now()
	err := cmd.Start()
	if err != nil {
		return importRun{}, fmt.Errorf("%s: start %s: %w", name, b.opts.bin, err)
	}
	stopWatch := make(chan struct{})
	watch := watchProcess(cmd.Process.Pid, stopWatch)
	err = cmd.Wait()
	close(stopWatch)
	seen := <-watch
	out := importRun{wall: time.Since(began), stderr: stderr.String(), maxRSS: seen.peakRSS, files: seen.files}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		out.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if err != nil {
		return out, fmt.Errorf("%s: akimport %v failed: %w\n%s", name, full, err, tail(out.stderr))
	}
	raw, err := os.ReadFile(summaryPath)
	if err != nil {
		return out, fmt.Errorf("%s: read the summary: %w", name, err)
	}
	if err := json.Unmarshal(raw, &out.summary); err != nil {
		return out, fmt.Errorf("%s: parse the summary %s: %w", name, summaryPath, err)
	}
	if out.summary.Rows != wantRows {
		return out, fmt.Errorf("%s: akimport reported %d rows, want %d: %s", name, out.summary.Rows, wantRows, raw)
	}
	return out, nil
}

// cleanEnv is the environment without AUTHENTIK_* settings of the caller's shell, which
// would point the import elsewhere.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !bytes.HasPrefix([]byte(kv), []byte("AUTHENTIK_")) {
			env = append(env, kv)
		}
	}
	return env
}

// tail is the end of a long stderr, enough to see why a run failed.
func tail(s string) string {
	const max = 2000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}

var errNoCreates = errors.New("the simulator saw no creates")
