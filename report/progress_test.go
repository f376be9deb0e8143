package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// fakeClock is a Clock whose time and ticks the test drives.
type fakeClock struct {
	mu       sync.Mutex
	now      time.Time
	ticks    chan time.Time
	interval time.Duration
	stopped  bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: runStart, ticks: make(chan time.Time)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interval = d
	return c.ticks, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stopped = true
	}
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer is a bytes.Buffer safe to read while the progress goroutine writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testProgress starts a progress display on a fake clock; tick drives one refresh and waits
// for it to finish.
type testProgress struct {
	Progress
	clock     *fakeClock
	refreshed chan struct{}
}

func startProgress(t *testing.T, cfg ProgressConfig) *testProgress {
	t.Helper()
	tp := &testProgress{clock: newFakeClock(), refreshed: make(chan struct{})}
	cfg.Clock = tp.clock
	p, err := newProgress(cfg, func() { tp.refreshed <- struct{}{} })
	if err != nil {
		t.Fatalf("newProgress: %v", err)
	}
	tp.Progress = p
	t.Cleanup(p.Done)
	return tp
}

func (tp *testProgress) tick(t *testing.T) {
	t.Helper()
	select {
	case tp.clock.ticks <- tp.clock.Now():
	case <-time.After(5 * time.Second):
		t.Fatal("progress goroutine does not take ticks")
	}
	select {
	case <-tp.refreshed:
	case <-time.After(5 * time.Second):
		t.Fatal("progress did not refresh after a tick")
	}
}

// snapshotOf tallies n results of each given status.
func snapshotOf(counts map[Status]int) Snapshot {
	tally := NewTally(nil)
	for _, status := range statusOrder {
		for range counts[status] {
			tally.Add(Result{Status: status, Attempts: 1})
		}
	}
	return tally.Snapshot()
}

func TestRenderBar(t *testing.T) {
	tests := []struct {
		name       string
		counts     map[Status]int
		elapsed    time.Duration
		read, size int64
		rowsRead   int64
		finished   bool
		want       string
	}{
		{
			name:    "the design's example",
			counts:  map[Status]int{StatusCreated: 4100, StatusExists: 100, StatusInvalid: 13},
			elapsed: 5 * time.Second,
			read:    421_300, size: 1_000_000,
			want: "[=======>            ] 4 213/~10 000 rows  42%  843 rows/s  ETA 7s  created 4 100  exists 100  invalid 13  failed 0",
		},
		{
			name:    "unknown size: no total, no percentage, no ETA",
			counts:  map[Status]int{StatusCreated: 1234},
			elapsed: 2 * time.Second,
			want:    "1 234 rows  617 rows/s  created 1 234  invalid 0  failed 0",
		},
		{
			name:    "nothing yet",
			elapsed: 0,
			read:    0, size: 500,
			want: "0 rows  0 rows/s  created 0  invalid 0  failed 0",
		},
		{
			name:    "bytes read, no rows yet",
			elapsed: time.Second,
			read:    10, size: 1000,
			want: "[                    ] 0/~? rows  1%  0 rows/s  created 0  invalid 0  failed 0",
		},
		{
			name:     "the reader is ahead of the rows reported",
			counts:   map[Status]int{StatusCreated: 1000},
			elapsed:  10 * time.Second,
			rowsRead: 1850, read: 800, size: 800, finished: true,
			want: "[=========>          ] 1 000/~1 850 rows  54%  100 rows/s  ETA 9s  created 1 000  invalid 0  failed 0",
		},
		{
			name:    "all read",
			counts:  map[Status]int{StatusPlanned: 50, StatusRejected: 2, StatusFailed: 1},
			elapsed: 10 * time.Second,
			read:    800, size: 800,
			want: "[====================] 53/~53 rows  100%  5 rows/s  ETA 0s  created 0  planned 50  invalid 0  rejected 2  failed 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := computeFigures(snapshotOf(tt.counts), tt.elapsed, InputPosition{RowsRead: tt.rowsRead, BytesRead: tt.read, Size: tt.size, Finished: tt.finished})
			if got := renderBar(f); got != tt.want {
				t.Errorf("renderBar:\ngot  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestProgressBar(t *testing.T) {
	var out syncBuffer
	var read, size int64 = 0, 1000
	var posMu sync.Mutex
	tp := startProgress(t, ProgressConfig{
		Out: &out, Mode: ProgressAuto, IsTerminal: true,
		Position: func() InputPosition {
			posMu.Lock()
			defer posMu.Unlock()
			return InputPosition{BytesRead: read, Size: size}
		},
	})
	if tp.clock.interval != barInterval {
		t.Errorf("bar refresh interval = %v, want %v", tp.clock.interval, barInterval)
	}

	// Updates alone draw nothing: the bar is redrawn on ticks, never per row.
	tp.Update(snapshotOf(map[Status]int{StatusCreated: 1}))
	tp.Update(snapshotOf(map[Status]int{StatusCreated: 2, StatusInvalid: 1000}))
	if got := out.String(); got != "" {
		t.Fatalf("drawn before any tick: %q", got)
	}

	posMu.Lock()
	read = 500
	posMu.Unlock()
	tp.clock.advance(2 * time.Second)
	tp.tick(t)
	first := "\r[=========>          ] 1 002/~2 004 rows  50%  501 rows/s  ETA 2s  created 2  invalid 1 000  failed 0"
	if got := out.String(); got != first {
		t.Fatalf("first frame:\ngot  %q\nwant %q", got, first)
	}

	// A shorter frame wipes the end of the longer one.
	tp.Update(snapshotOf(map[Status]int{StatusCreated: 3}))
	tp.tick(t)
	secondLine := "[=========>          ] 3/~6 rows  50%  2 rows/s  ETA 2s  created 3  invalid 0  failed 0"
	second := "\r" + secondLine + strings.Repeat(" ", len(first)-1-len(secondLine))
	if got := strings.TrimPrefix(out.String(), first); got != second {
		t.Fatalf("second frame:\ngot  %q\nwant %q", got, second)
	}

	tp.Done()
	// The padding is already blank: clearing the text of the last frame is enough.
	clear := "\r" + strings.Repeat(" ", len(secondLine)) + "\r"
	if got := strings.TrimPrefix(out.String(), first+second); got != clear {
		t.Errorf("Done wrote %q, want the line cleared %q", got, clear)
	}
	if !tp.clock.stopped {
		t.Error("Done did not stop the ticker")
	}
	tp.Done() // idempotent
}

func TestProgressLogLines(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	tp := startProgress(t, ProgressConfig{
		Out: &syncBuffer{}, Mode: ProgressAuto, IsTerminal: false, Logger: zap.New(core),
		Position: func() InputPosition { return InputPosition{BytesRead: 250, Size: 1000} },
	})
	if tp.clock.interval != DefaultProgressInterval {
		t.Errorf("log interval = %v, want %v", tp.clock.interval, DefaultProgressInterval)
	}
	tp.Update(snapshotOf(map[Status]int{StatusCreated: 90, StatusInvalid: 10}))
	tp.clock.advance(10 * time.Second)
	tp.tick(t)
	tp.Done()

	entries := logs.AllUntimed()
	if len(entries) != 1 {
		t.Fatalf("%d log lines, want 1: %v", len(entries), entries)
	}
	if got := entries[0].Message; got != "progress" {
		t.Errorf("message = %q, want %q", got, "progress")
	}
	want := map[string]any{
		"rows": int64(100), "created": int64(90), "invalid": int64(10), "failed": int64(0),
		"rate": 10.0, "elapsed": 10 * time.Second, "percent": 25.0, "total_estimate": int64(400),
		"eta": 30 * time.Second,
	}
	got := entries[0].ContextMap()
	for key, value := range want {
		if got[key] != value {
			t.Errorf("field %s = %v (%T), want %v (%T)", key, got[key], got[key], value, value)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields = %v, want exactly %v", got, want)
	}
}

func TestProgressCustomInterval(t *testing.T) {
	core, _ := observer.New(zapcore.InfoLevel)
	tp := startProgress(t, ProgressConfig{Mode: ProgressAuto, Logger: zap.New(core), Interval: time.Minute})
	if tp.clock.interval != time.Minute {
		t.Errorf("interval = %v, want 1m", tp.clock.interval)
	}
}

func TestNewProgressModes(t *testing.T) {
	core, _ := observer.New(zapcore.InfoLevel)
	logger := zap.New(core)
	tests := []struct {
		name     string
		cfg      ProgressConfig
		wantNone bool
		wantErr  bool
	}{
		{"never on a terminal", ProgressConfig{Out: &syncBuffer{}, Mode: ProgressNever, IsTerminal: true, Logger: logger}, true, false},
		{"auto on a terminal", ProgressConfig{Out: &syncBuffer{}, Mode: ProgressAuto, IsTerminal: true}, false, false},
		{"auto without a terminal logs", ProgressConfig{Out: &syncBuffer{}, Mode: ProgressAuto, Logger: logger}, false, false},
		{"auto without a terminal nor logger", ProgressConfig{Out: &syncBuffer{}, Mode: ProgressAuto}, true, false},
		{"always without a terminal draws", ProgressConfig{Out: &syncBuffer{}, Mode: ProgressAlways}, false, false},
		{"empty mode is auto", ProgressConfig{Out: &syncBuffer{}, IsTerminal: true}, false, false},
		{"unknown mode", ProgressConfig{Mode: "sometimes"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Clock = newFakeClock()
			p, err := NewProgress(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewProgress error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer p.Done()
			if _, none := p.(noProgress); none != tt.wantNone {
				t.Errorf("NewProgress = %T, want no display: %v", p, tt.wantNone)
			}
		})
	}
}

func TestParseProgressMode(t *testing.T) {
	for _, s := range []string{"auto", "always", "never"} {
		if got, err := ParseProgressMode(s); err != nil || string(got) != s {
			t.Errorf("ParseProgressMode(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseProgressMode("yes"); err == nil || !strings.Contains(err.Error(), "auto, always or never") {
		t.Errorf("ParseProgressMode(yes) error = %v, want the valid values named", err)
	}
}

// TestProgressStopsOnDone runs the real clock with a tiny interval: Done returns only once
// the ticker goroutine has exited, and no line is logged after it.
func TestProgressStopsOnDone(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	p, err := NewProgress(ProgressConfig{Mode: ProgressAuto, Logger: zap.New(core), Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for logs.Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if logs.Len() == 0 {
		t.Fatal("no progress line within 5s at a 1ms interval")
	}
	done := make(chan struct{})
	go func() { p.Done(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Done did not return")
	}
	n := logs.Len()
	time.Sleep(5 * time.Millisecond)
	if logs.Len() != n {
		t.Errorf("%d lines logged after Done", logs.Len()-n)
	}
}
