package report

import (
	"fmt"
	"io"
	"sync"
	"time"

	"go.uber.org/zap"
)

// ProgressMode is --progress: a bar on a terminal and log lines otherwise (auto), a bar
// (always), or nothing (never).
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
	// Out is where the bar is drawn (stderr); a *StatusLine shared with the logger keeps log
	// lines above the bar.
	Out        io.Writer
	Mode       ProgressMode
	IsTerminal bool          // Out is a terminal (the CLI asks golang.org/x/term)
	Interval   time.Duration // between log lines when there is no bar; 0 means DefaultProgressInterval
	Logger     *zap.Logger   // receives the log lines; nil means none
	// Position says how far the reader is and, once known, the input's rows (no total, no
	// percentage or ETA). Called from the progress goroutine; nil means nothing is known.
	Position func() InputPosition
	Clock    Clock // nil means the wall clock
	// Concurrency is --concurrency auto's limit now, shown with the figures; nil or 0 shows none.
	Concurrency func() int
}

// NewProgress returns the display cfg asks for: a bar on cfg.Out (always, or auto on a
// terminal), an Info log line every interval (auto otherwise), or nothing (never, or nowhere
// to show it). Call Done when the run ends.
func NewProgress(cfg ProgressConfig) (Progress, error) {
	return newProgress(cfg, nil)
}

// newProgress takes a hook that runs after every refresh, so tests know when one is done.
func newProgress(cfg ProgressConfig, afterRefresh func()) (Progress, error) {
	if cfg.Mode == "" {
		cfg.Mode = ProgressAuto
	}
	if _, err := ParseProgressMode(string(cfg.Mode)); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Position == nil {
		cfg.Position = func() InputPosition { return InputPosition{} }
	}
	bar := cfg.Mode == ProgressAlways || (cfg.Mode == ProgressAuto && cfg.IsTerminal)
	switch {
	case cfg.Mode == ProgressNever, bar && cfg.Out == nil, !bar && cfg.Logger == nil:
		return noProgress{}, nil
	}
	interval := barInterval
	if !bar {
		interval = cfg.Interval
		if interval <= 0 {
			interval = DefaultProgressInterval
		}
	}
	started := cfg.Clock.Now()
	p := &progress{
		cfg:          cfg,
		bar:          bar,
		started:      started,
		rate:         newRateMeter(started),
		afterRefresh: afterRefresh,
		stop:         make(chan struct{}),
		stopped:      make(chan struct{}),
	}
	if bar {
		if p.line, _ = cfg.Out.(*StatusLine); p.line == nil {
			p.line = NewStatusLine(cfg.Out, nil)
		}
	}
	ticks, stopTicker := cfg.Clock.NewTicker(interval)
	go p.run(ticks, stopTicker)
	return p, nil
}

// noProgress shows nothing.
type noProgress struct{}

func (noProgress) Update(Snapshot) {}
func (noProgress) Done()           {}

// progress is the bar or the log lines; mu guards the figures Update and refresh share.
type progress struct {
	cfg          ProgressConfig
	bar          bool
	line         *StatusLine // the bar's line; nil without a bar
	started      time.Time
	afterRefresh func()

	mu   sync.Mutex
	snap Snapshot
	rate *rateMeter // only the ticker goroutine uses it

	stop     chan struct{}
	stopped  chan struct{}
	doneOnce sync.Once
}

func (p *progress) Update(s Snapshot) {
	p.mu.Lock()
	p.snap = s
	p.mu.Unlock()
}

func (p *progress) Done() {
	p.doneOnce.Do(func() {
		close(p.stop)
		<-p.stopped
		if p.line != nil {
			p.line.Clear()
		}
	})
}

// run refreshes the display on every tick until Done.
func (p *progress) run(ticks <-chan time.Time, stopTicker func()) {
	defer close(p.stopped)
	defer stopTicker()
	for {
		select {
		case <-p.stop:
			return
		case <-ticks:
			p.refresh()
			if p.afterRefresh != nil {
				p.afterRefresh()
			}
		}
	}
}

func (p *progress) refresh() {
	p.mu.Lock()
	snap := p.snap
	p.mu.Unlock()
	now := p.cfg.Clock.Now()
	f := computeFigures(snap, now.Sub(p.started), p.cfg.Position(), p.rate.add(now, snap.Rows))
	if p.cfg.Concurrency != nil {
		f.limit = p.cfg.Concurrency()
	}
	if !p.bar {
		p.cfg.Logger.Info("progress", logFields(f)...)
		return
	}
	p.line.Show(renderBar(f))
}

// Clock is the time source of the progress display, so tests can drive it without sleeping.
type Clock interface {
	Now() time.Time
	// NewTicker returns a channel that delivers a time every d, and a function that stops it.
	NewTicker(d time.Duration) (ticks <-chan time.Time, stop func())
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
