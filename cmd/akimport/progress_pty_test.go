package main

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// ptyRun is one in-process import whose stderr is a pseudo-terminal, as a user sees it.
type ptyRun struct {
	code   int
	output []byte // everything written to the terminal
	frames []string
}

// runOnPTY runs execute with stderr on a pseudo-terminal 200 columns wide and calls onFrame
// with each progress frame as soon as the terminal has shown it whole (so what onFrame
// checks has happened by then, with no clock involved).
func runOnPTY(t *testing.T, url string, args []string, onFrame func(frame string)) ptyRun {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	if err := pty.Setsize(master, &pty.Winsize{Rows: 40, Cols: 200}); err != nil {
		t.Fatal(err)
	}
	var run ptyRun
	read := make(chan struct{})
	go func() {
		defer close(read)
		run.output, run.frames = readFrames(master, onFrame)
	}()
	env := environment{
		getenv: func(k string) string {
			return map[string]string{"AUTHENTIK_URL": url, "AUTHENTIK_TOKEN": simToken}[k]
		},
		stdin: strings.NewReader(""), stdout: io.Discard, stderr: tty, isTerminal: true,
	}
	run.code = execute(contextWithTimeout(t, 2*time.Minute), args, env)
	tty.Close() // the reader sees the end
	select {
	case <-read:
	case <-time.After(30 * time.Second):
		t.Fatal("the terminal's output did not end")
	}
	return run
}

// readFrames reads the terminal until it closes. A frame is the text after "\r\x1b[K" (the
// status line's erase) up to the next control character; it is complete once that follows.
func readFrames(r io.Reader, onFrame func(string)) (all []byte, frames []string) {
	const erase = "\r\x1b[K"
	buf := make([]byte, 4096)
	var pending []byte
	for {
		n, err := r.Read(buf)
		all = append(all, buf[:n]...)
		pending = append(pending, buf[:n]...)
		for {
			start := bytes.Index(pending, []byte(erase))
			if start < 0 {
				break
			}
			body := pending[start+len(erase):]
			end := bytes.IndexAny(body, "\r\n\x1b")
			if end < 0 {
				break // the frame may not be whole yet
			}
			if end > 0 && bytes.Contains(body[:end], []byte("rows/s")) {
				frames = append(frames, string(body[:end]))
				onFrame(string(body[:end]))
			}
			pending = body[end:]
		}
		if err != nil {
			return all, frames
		}
	}
}

// barPiece matches a piece of a frame (the summary also says "rows/s", but not so).
var barPiece = regexp.MustCompile(`rows/s  (ETA|created)|\[[= >]{20}\]|rows  \d+%`)

var framePercent = regexp.MustCompile(`\] ([0-9 ]+)/([0-9 ]+) rows  (\d+)%`)

func parseCount(s string) int { n, _ := strconv.Atoi(strings.ReplaceAll(s, " ", "")); return n }

// Issue 10: every frame's percentage is the truth. The file (1 500 rows, CSV, one cell with
// a quoted newline) is imported at 5 ms a request; each frame must name the file's real row
// count, show rows the server has really created by then, and a percentage within 5
// points of those rows over the total.
func TestProgressBarTellsTheTruth(t *testing.T) {
	const rows = 1500
	s := startSim(t, authentiktest.Options{Latency: 5 * time.Millisecond, Capacity: 4}, nil)
	dir := t.TempDir()
	csv := strings.Replace(simpleUsersCSV(rows, "p"), "User 7,", "\"User 7\n\",", 1)
	input := writeFile(t, dir, "users.csv", csv)
	args := []string{"import", "--progress", "always", "--concurrency", "4", "--rate", "0",
		"--report", filepath.Join(dir, "report.csv"), input}

	var withPercent atomic.Int64
	run := runOnPTY(t, s.srv.URL, args, func(frame string) {
		m := framePercent.FindStringSubmatch(frame)
		if m == nil {
			return // still counting: counts and rate, no percentage
		}
		withPercent.Add(1)
		done, total, percent := parseCount(m[1]), parseCount(m[2]), parseCount(m[3])
		if total != rows {
			t.Errorf("frame %q: total %d, the file has %d rows", frame, total, rows)
		}
		if created := len(s.sim.Users()); done > created {
			t.Errorf("frame %q: %d rows shown done, the server has created %d", frame, done, created)
		}
		if truth := 100 * float64(done) / rows; float64(percent) < truth-5 || float64(percent) > truth+5 {
			t.Errorf("frame %q: %d%%, the truth is %.1f%%", frame, percent, truth)
		}
	})
	if run.code != 0 {
		t.Fatalf("exit code %d; terminal:\n%s", run.code, run.output)
	}
	if withPercent.Load() < 3 {
		t.Errorf("%d frames with a percentage (of %d), want at least 3: %q", withPercent.Load(), len(run.frames), run.frames)
	}
	t.Logf("%d frames, %d with a percentage; last: %q", len(run.frames), withPercent.Load(), run.frames[len(run.frames)-1])
}

// rejectEvery answers every n-th create 400, as authentik does for a field it refuses, so
// the run logs a WARN per such row while the bar is up.
type rejectEvery struct {
	next http.Handler
	n    int64
	seen atomic.Int64
}

func (h *rejectEvery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isCreate(r) && h.seen.Add(1)%h.n == 0 {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"email":["Enter a valid email address."]}`)
		return
	}
	h.next.ServeHTTP(w, r)
}

// Issue 10: a log line never lands inside a frame. The terminal's output is replayed on a
// model of a terminal (carriage return, erase line, newline); every line that scrolled up
// must be a whole log line (or the summary), never holding a piece of the bar, and every
// rejected row's WARN must be there whole.
func TestLogLinesNeverCutTheBar(t *testing.T) {
	const rows, rejectOneIn = 1200, 25
	s := startSim(t, authentiktest.Options{Latency: 5 * time.Millisecond, Capacity: 4},
		func(next http.Handler) http.Handler { return &rejectEvery{next: next, n: rejectOneIn} })
	dir := t.TempDir()
	input := writeFile(t, dir, "users.csv", simpleUsersCSV(rows, "w"))
	args := []string{"import", "--progress", "always", "--concurrency", "4", "--rate", "0",
		"--report", filepath.Join(dir, "report.csv"), input}

	run := runOnPTY(t, s.srv.URL, args, func(string) {})
	if run.code != 1 {
		t.Fatalf("exit code %d, want 1 (rows rejected); terminal:\n%s", run.code, run.output)
	}
	lines, last := replayTerminal(run.output)
	warns := 0
	for _, line := range lines {
		if barPiece.MatchString(line) {
			t.Errorf("a line holds a piece of the bar: %q", line)
		}
		if strings.Contains(line, "WARN") {
			warns++
			if !regexp.MustCompile(`^\d\d:\d\d:\d\d\tWARN\trow not imported\t\{.*\}$`).MatchString(line) {
				t.Errorf("a WARN line is not whole: %q", line)
			}
		}
	}
	if want := rows / rejectOneIn; warns != want {
		t.Errorf("%d WARN lines, want %d (one per rejected row)", warns, want)
	}
	if last != "" {
		t.Errorf("the bar was left on the screen: %q", last)
	}
	if len(run.frames) < 3 {
		t.Errorf("only %d frames drawn: the bar was not up while rows were logged", len(run.frames))
	}
	t.Logf("%d frames, %d WARN lines, %d lines", len(run.frames), warns, len(lines))
}

// replayTerminal plays output on a model of a terminal line: "\r" returns to column 0,
// "\x1b[K" erases to the end, "\n" scrolls the line up. It returns the lines scrolled up and
// what is left on the last line.
func replayTerminal(output []byte) (lines []string, last string) {
	var line []rune
	col := 0
	text := []rune(string(output))
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\r':
			col = 0
		case c == '\n':
			lines = append(lines, string(line))
			line, col = nil, 0
		case c == '\x1b' && i+2 < len(text) && text[i+1] == '[' && text[i+2] == 'K':
			line = line[:col]
			i += 2
		default:
			if col < len(line) {
				line[col] = c
			} else {
				line = append(line, c)
			}
			col++
		}
	}
	return lines, string(line)
}

// The model of a terminal itself: without the erase, a shorter line leaves the end of the
// longer one.
func TestReplayTerminal(t *testing.T) {
	lines, last := replayTerminal([]byte("\r\x1b[K[==> ] 10 rows/s\r12:00:00 W\n\r\x1b[Kbar\rab"))
	if want := []string{"12:00:00 Wrows/s"}; len(lines) != 1 || lines[0] != want[0] {
		t.Errorf("lines = %q, want %q", lines, want)
	}
	if last != "abr" {
		t.Errorf("last = %q, want %q", last, "abr")
	}
}
