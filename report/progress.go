package report

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// ProgressMode is --progress: auto (a bar on a terminal, else log lines), always (a bar) or never.
type ProgressMode string

// The progress modes.
const (
	ProgressAuto   ProgressMode = "auto"
	ProgressAlways ProgressMode = "always"
	ProgressNever  ProgressMode = "never"
)

// ParseProgressMode checks a --progress value.
func ParseProgressMode(s string) (ProgressMode, error) {
	switch m := ProgressMode(s); m {
	case ProgressAuto, ProgressAlways, ProgressNever:
		return m, nil
	}
	return "", fmt.Errorf("--progress %q: want auto, always or never", s)
}

// Progress shows how far the run is. Update only stores the figures; the display refreshes on
// its own ticker, so a stalled run shows its rate falling. Safe for concurrent use.
type Progress interface {
	Update(Snapshot)
	Done() // stops the ticker and clears the bar for the summary; idempotent
}

const (
	DefaultProgressInterval = 10 * time.Second       // between log lines when there is no bar
	barInterval             = 100 * time.Millisecond // between redraws of the bar, never per row
)

// ProgressConfig configures NewProgress.
type ProgressConfig struct {
	Out         io.Writer // where the bar is drawn; a *StatusLine shared with the logger keeps logs above it
	Mode        ProgressMode
	IsTerminal  bool                 // Out is a terminal (the CLI asks golang.org/x/term)
	Interval    time.Duration        // between log lines when there is no bar; 0 means DefaultProgressInterval
	Logger      *zap.Logger          // receives the log lines; nil means none
	Position    func() InputPosition // how far the reader is (called by the progress goroutine); nil: unknown
	Clock       Clock                // nil means the wall clock
	Concurrency func() int           // --concurrency auto's limit now; nil or 0 shows none
}

// InputPosition is how far the reader is in the input and, once counted, its rows.
type InputPosition struct {
	RowsRead  int64 // rows the reader has handed on
	BytesRead int64 // input bytes read so far
	Rows      int64 // rows in the whole input, counted by a first pass; valid when Counted
	Counted   bool
	Finished  bool // the reader reached the end: RowsRead is the total
}

// NewProgress returns the display cfg asks for: a bar on cfg.Out, an Info log line every
// interval, or nothing (never, or nowhere to show it). Call Done when the run ends.
func NewProgress(cfg ProgressConfig) (Progress, error) { return newProgress(cfg, nil) }

// newProgress takes a hook that runs after every refresh, so tests know when one is done.
func newProgress(cfg ProgressConfig, afterRefresh func()) (Progress, error) {
	mode, err := ParseProgressMode(cmp.Or(string(cfg.Mode), string(ProgressAuto)))
	if err != nil {
		return nil, err
	}
	cfg.Clock = cmp.Or[Clock](cfg.Clock, realClock{})
	bar := mode == ProgressAlways || (mode == ProgressAuto && cfg.IsTerminal)
	p := &progress{cfg: cfg, started: cfg.Clock.Now()}
	p.rate = newRateMeter(p.started)
	interval, clearBar := cmp.Or(max(cfg.Interval, 0), DefaultProgressInterval), func() {}
	switch {
	case mode == ProgressNever, bar && cfg.Out == nil, !bar && cfg.Logger == nil:
		return noProgress{}, nil
	case bar:
		line, ok := cfg.Out.(*StatusLine)
		if !ok {
			line = NewStatusLine(cfg.Out, nil)
		}
		interval, clearBar = barInterval, line.Clear
		p.show = func(f figures) { line.Show(renderBar(f)) }
	default:
		p.show = func(f figures) { cfg.Logger.Info("progress", logFields(f)...) }
	}
	ticks, stopTicker := cfg.Clock.NewTicker(interval)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		defer stopTicker()
		for {
			select {
			case <-stop:
				return
			case <-ticks:
				p.refresh()
				if afterRefresh != nil {
					afterRefresh()
				}
			}
		}
	}()
	p.done = sync.OnceFunc(func() {
		close(stop)
		<-stopped
		clearBar()
	})
	return p, nil
}

// noProgress shows nothing.
type noProgress struct{}

func (noProgress) Update(Snapshot) {}
func (noProgress) Done()           {}

// progress is the bar or the log lines; mu guards the snapshot Update and refresh share.
type progress struct {
	cfg     ProgressConfig
	started time.Time
	show    func(figures) // draws the bar, or logs a line
	done    func()
	rate    *rateMeter // only the ticker goroutine uses it
	mu      sync.Mutex
	snap    Snapshot
}

func (p *progress) Update(s Snapshot) {
	p.mu.Lock()
	p.snap = s
	p.mu.Unlock()
}

func (p *progress) Done() { p.done() }

func (p *progress) refresh() {
	p.mu.Lock()
	snap := p.snap
	p.mu.Unlock()
	now := p.cfg.Clock.Now()
	var pos InputPosition
	if p.cfg.Position != nil {
		pos = p.cfg.Position()
	}
	f := computeFigures(snap, now.Sub(p.started), pos, p.rate.add(now, snap.Rows))
	if p.cfg.Concurrency != nil {
		f.limit = p.cfg.Concurrency()
	}
	p.show(f)
}

// Clock is the time source of the progress display, so tests can drive it without sleeping.
type Clock interface {
	Now() time.Time
	NewTicker(d time.Duration) (ticks <-chan time.Time, stop func()) // a time every d, until stop
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// figures are what the progress display shows, computed from a snapshot.
type figures struct {
	snap      Snapshot
	elapsed   time.Duration
	rate      float64 // rows per second lately (see rateMeter)
	bytesRead int64   // shown instead of a percentage when the total is not known
	known     bool    // the total is known: total, done, percent and eta are set
	total     int64   // rows in the input; done are the input rows reported
	done      int64
	percent   float64
	eta       time.Duration // time left at the current rate; -1 when there is no rate yet
	limit     int           // --concurrency auto's limit now; 0 = not shown
}

// computeFigures has a percentage only when the total is known (counted, or read to the end): of
// the input rows reported, not of the bytes read, which run ahead by the reader's buffer.
func computeFigures(s Snapshot, elapsed time.Duration, pos InputPosition, rate float64) figures {
	f := figures{snap: s, elapsed: elapsed, rate: rate, bytesRead: pos.BytesRead, eta: -1}
	switch {
	case pos.Finished:
		f.total = pos.RowsRead
	case pos.Counted:
		f.total = max(pos.Rows, pos.RowsRead) // the reader is right if they disagree
	default:
		return f
	}
	f.known, f.done, f.percent = true, min(s.InputRows, f.total), 100
	if f.total > 0 {
		f.percent = float64(f.done) / float64(f.total) * 100
	}
	if rate > 0 {
		f.eta = time.Duration(float64(f.total-f.done) / rate * float64(time.Second))
	}
	return f
}

// rateWindow smooths a worker pool's bursts, and lets the ETA follow a change of pace.
const rateWindow = 10 * time.Second

// rateMeter is the rate of rows from the newest sample at least rateWindow old (or the start).
type rateMeter struct{ samples []rateSample }

type rateSample struct {
	at   time.Time
	rows int64
}

func newRateMeter(start time.Time) *rateMeter {
	return &rateMeter{samples: []rateSample{{at: start}}}
}

// add records the rows at a moment and returns the rate.
func (m *rateMeter) add(at time.Time, rows int64) float64 {
	m.samples = append(m.samples, rateSample{at: at, rows: rows})
	old := 0
	for old+2 < len(m.samples) && at.Sub(m.samples[old+1].at) >= rateWindow {
		old++
	}
	m.samples = m.samples[old:]
	first := m.samples[0]
	if dt := at.Sub(first.at).Seconds(); dt > 0 {
		return float64(rows-first.rows) / dt
	}
	return 0
}

// shownStatuses are created, invalid and failed (the figures people watch), and others once seen.
func shownStatuses(s Snapshot) []Status {
	var out []Status
	for _, status := range statusOrder {
		if status == StatusCreated || status == StatusInvalid || status == StatusFailed || s.Count(status) != 0 {
			out = append(out, status)
		}
	}
	return out
}

const barWidth = 20

// renderBar draws one frame, "[====>     ] 4 213/10 000 rows  42%  812 rows/s  ETA 7s  created
// 4 100  invalid 13  failed 0", or without a total "4 213 rows  1.2 MiB read  812 rows/s  …".
func renderBar(f figures) string {
	var b strings.Builder
	if f.known {
		filled := min(int(f.percent/100*barWidth), barWidth)
		arrow := strings.Repeat("=", filled)
		if filled > 0 && filled < barWidth {
			arrow = arrow[1:] + ">"
		}
		fmt.Fprintf(&b, "[%-*s] %s/%s rows  %d%%", barWidth, arrow, groupDigits(f.done), groupDigits(f.total), int(f.percent))
	} else {
		fmt.Fprintf(&b, "%s rows", groupDigits(f.snap.Rows))
		if f.bytesRead > 0 {
			fmt.Fprintf(&b, "  %s read", byteSize(f.bytesRead))
		}
	}
	fmt.Fprintf(&b, "  %s rows/s", groupDigits(int64(math.Round(f.rate))))
	if f.known && f.eta >= 0 {
		fmt.Fprintf(&b, "  ETA %s", f.eta.Round(time.Second))
	}
	if f.limit > 0 {
		fmt.Fprintf(&b, "  limit %d", f.limit)
	}
	for _, status := range shownStatuses(f.snap) {
		fmt.Fprintf(&b, "  %s %s", status, groupDigits(f.snap.Count(status)))
	}
	return b.String()
}

// byteSize says n bytes in binary units, as pv does: 512 B, 1.2 KiB, 376.0 MiB.
func byteSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	exp := int(math.Log2(float64(n)) / 10)
	return fmt.Sprintf("%.1f %ciB", float64(n)/math.Pow(1024, float64(exp)), " KMGTPE"[exp])
}

// logFields are the same figures as fields of a log line.
func logFields(f figures) []zap.Field {
	fields := []zap.Field{zap.Int64("rows", f.snap.Rows)}
	for _, status := range shownStatuses(f.snap) {
		fields = append(fields, zap.Int64(string(status), f.snap.Count(status)))
	}
	fields = append(fields, zap.Float64("rate", math.Round(f.rate*10)/10), zap.Duration("elapsed", f.elapsed.Round(time.Second)))
	if f.limit > 0 {
		fields = append(fields, zap.Int("concurrency_limit", f.limit))
	}
	if f.known {
		fields = append(fields, zap.Float64("percent", math.Round(f.percent*10)/10), zap.Int64("total", f.total))
	}
	if f.known && f.eta >= 0 {
		fields = append(fields, zap.Duration("eta", f.eta.Round(time.Second)))
	}
	return fields
}

const clearLine = "\r\x1b[K" // to the start of the line, and erase it (ANSI "erase in line")

// StatusLine is a terminal whose last line holds a status (the progress bar) while others (the
// logger, the summary) write whole lines: each Write clears the status, writes its text and
// redraws the status below it, so a log line never lands inside the bar. Safe for concurrent use.
type StatusLine struct {
	mu      sync.Mutex
	out     io.Writer
	width   func() int // the terminal's columns; <= 0: unknown
	status  string     // what Show last asked for
	shown   bool       // status is on the screen
	midLine bool       // the last Write did not end its line: the status waits for the rest
}

// NewStatusLine wraps a terminal. width reports its columns (nil if unknown): a status
// longer than the line would wrap, and "\r" could no longer erase it.
func NewStatusLine(out io.Writer, width func() int) *StatusLine {
	if width == nil {
		width = func() int { return 0 }
	}
	return &StatusLine{out: out, width: width}
}

// Write writes p above the status. Output errors are the caller's; the status's own are
// ignored (progress must never stop an import).
func (s *StatusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.erase()
	n, err := s.out.Write(p)
	if len(p) > 0 {
		s.midLine = p[len(p)-1] != '\n'
	}
	s.draw()
	return n, err
}

// Show replaces the status, cut to one column less than the terminal's width.
func (s *StatusLine) Show(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, r := s.width()-1, []rune(status); w > 0 && len(r) > w {
		status = string(r[:w])
	}
	s.status = status
	s.draw()
}

// Clear takes the status off the screen for good (until the next Show).
func (s *StatusLine) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.erase()
	s.status = ""
}

func (s *StatusLine) erase() {
	if s.shown {
		_, _ = io.WriteString(s.out, clearLine)
		s.shown = false
	}
}

// draw puts the status on the screen in one write (never half a frame), unless a line is half written.
func (s *StatusLine) draw() {
	if s.status == "" || s.midLine {
		return
	}
	_, _ = io.WriteString(s.out, clearLine+s.status)
	s.shown = true
}
