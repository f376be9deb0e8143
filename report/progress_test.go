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
			line := 1
			if status == StatusDeactivated {
				line = 0
			}
			tally.Add(Result{Line: line, Status: status, Attempts: 1})
		}
	}
	return tally.Snapshot()
}

func TestRenderBar(t *testing.T) {
	tests := []struct {
		name    string
		counts  map[Status]int
		elapsed time.Duration
		pos     InputPosition
		rate    float64
		want    string
	}{
		{
			name:    "the design's example",
			counts:  map[Status]int{StatusCreated: 4100, StatusExists: 100, StatusInvalid: 13},
			elapsed: 5 * time.Second, rate: 812,
			pos:  InputPosition{RowsRead: 4300, BytesRead: 430_000, Rows: 10_000, Counted: true},
			want: "[=======>            ] 4 213/10 000 rows  42%  812 rows/s  ETA 7s  created 4 100  exists 100  invalid 13  failed 0",
		},
		{
			name:    "stdin: rows and bytes, no total, no percentage, no ETA",
			counts:  map[Status]int{StatusCreated: 1234},
			elapsed: 2 * time.Second, rate: 617,
			pos:  InputPosition{RowsRead: 1240, BytesRead: 1_234_567},
			want: "1 234 rows  1.2 MiB read  617 rows/s  created 1 234  invalid 0  failed 0",
		},
		{
			name: "nothing yet",
			want: "0 rows  0 rows/s  created 0  invalid 0  failed 0",
		},
		{
			name:    "counted, nothing reported yet: no ETA without a rate",
			elapsed: time.Second,
			pos:     InputPosition{BytesRead: 10, Rows: 3000, Counted: true},
			want:    "[                    ] 0/3 000 rows  0%  0 rows/s  created 0  invalid 0  failed 0",
		},
		{
			name:    "the reader finished ahead of the count: it is right",
			counts:  map[Status]int{StatusCreated: 1000},
			elapsed: 10 * time.Second, rate: 100,
			pos:  InputPosition{RowsRead: 1850, Rows: 1800, Counted: true, Finished: true},
			want: "[=========>          ] 1 000/1 850 rows  54%  100 rows/s  ETA 9s  created 1 000  invalid 0  failed 0",
		},
		{
			name:    "deactivations come on top of the input rows",
			counts:  map[Status]int{StatusUpdated: 50, StatusDeactivated: 3},
			elapsed: 10 * time.Second, rate: 5.3,
			pos:  InputPosition{RowsRead: 50, Rows: 50, Counted: true, Finished: true},
			want: "[====================] 50/50 rows  100%  5 rows/s  ETA 0s  created 0  updated 50  deactivated 3  invalid 0  failed 0",
		},
		{
			name: "an empty input is done",
			pos:  InputPosition{Counted: true, Finished: true},
			want: "[====================] 0/0 rows  100%  0 rows/s  created 0  invalid 0  failed 0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := computeFigures(snapshotOf(tt.counts), tt.elapsed, tt.pos, tt.rate)
			if got := renderBar(f); got != tt.want {
				t.Errorf("renderBar:\ngot  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRateMeter(t *testing.T) {
	m := newRateMeter(runStart)
	steps := []struct {
		after time.Duration
		rows  int64
		want  float64
	}{
		{after: 0, rows: 0, want: 0},
		{after: 5 * time.Second, rows: 1000, want: 200}, // a --resume carried 1 000 rows over
		{after: 10 * time.Second, rows: 1050, want: 105},
		{after: 15 * time.Second, rows: 1100, want: 10}, // the window forgets the burst
		{after: 25 * time.Second, rows: 1200, want: 10},
	}
	for _, s := range steps {
		if got := m.add(runStart.Add(s.after), s.rows); got != s.want {
			t.Errorf("after %v with %d rows: rate = %v, want %v", s.after, s.rows, got, s.want)
		}
	}
	if len(m.samples) > 3 {
		t.Errorf("%d samples kept, want the window's only", len(m.samples))
	}
}

func TestProgressBar(t *testing.T) {
	var out syncBuffer
	var pos InputPosition
	var posMu sync.Mutex
	tp := startProgress(t, ProgressConfig{
		Out: &out, Mode: ProgressAuto, IsTerminal: true,
		Position: func() InputPosition {
			posMu.Lock()
			defer posMu.Unlock()
			return pos
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

	// Still counting: no percentage yet.
	posMu.Lock()
	pos = InputPosition{RowsRead: 1010, BytesRead: 2048}
	posMu.Unlock()
	tp.clock.advance(2 * time.Second)
	tp.tick(t)
	first := clearLine + "1 002 rows  2.0 KiB read  501 rows/s  created 2  invalid 1 000  failed 0"
	if got := out.String(); got != first {
		t.Fatalf("first frame:\ngot  %q\nwant %q", got, first)
	}

	// Counted: each frame erases the line and draws itself whole.
	posMu.Lock()
	pos = InputPosition{RowsRead: 1010, BytesRead: 4096, Rows: 2004, Counted: true}
	posMu.Unlock()
	tp.clock.advance(2 * time.Second)
	tp.tick(t)
	second := clearLine + "[=========>          ] 1 002/2 004 rows  50%  251 rows/s  ETA 4s  created 2  invalid 1 000  failed 0"
	if got := strings.TrimPrefix(out.String(), first); got != second {
		t.Fatalf("second frame:\ngot  %q\nwant %q", got, second)
	}

	tp.Done()
	if got := strings.TrimPrefix(out.String(), first+second); got != clearLine {
		t.Errorf("Done wrote %q, want the line cleared %q", got, clearLine)
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
		Position: func() InputPosition { return InputPosition{RowsRead: 120, BytesRead: 250, Rows: 400, Counted: true} },
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
		"rate": 10.0, "elapsed": 10 * time.Second, "percent": 25.0, "total": int64(400),
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

func TestByteSize(t *testing.T) {
	tests := map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1<<20 - 1: "1024.0 KiB", 1 << 20: "1.0 MiB",
		376 << 20: "376.0 MiB", 5 << 30: "5.0 GiB", 1 << 62: "4.0 EiB"}
	for n, want := range tests {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
