package report

import (
	"io"
	"sync"
	"unicode/utf8"
)

const clearLine = "\r\x1b[K" // to the start of the line, and erase it (ANSI "erase in line")

// StatusLine is a terminal whose last line holds a status (the progress bar) while other
// writers (the logger, the summary) write whole lines: each Write clears the status, writes
// its text, and redraws the status below it, so a log line never lands inside the bar.
// Its methods are safe for concurrent use.
type StatusLine struct {
	mu      sync.Mutex
	out     io.Writer
	width   func() int // the terminal's columns; nil or <= 0: unknown
	status  string     // what Show last asked for
	shown   bool       // status is on the screen
	midLine bool       // the last Write did not end its line: the status waits for the rest
}

// NewStatusLine wraps a terminal. width reports its columns (nil if unknown): a status
// longer than the line would wrap, and "\r" could no longer erase it.
func NewStatusLine(out io.Writer, width func() int) *StatusLine {
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

// Show replaces the status.
func (s *StatusLine) Show(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = s.fit(status)
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

// draw puts the status on the screen in one write (so a reader never sees half a frame),
// unless a line is half written.
func (s *StatusLine) draw() {
	if s.status == "" || s.midLine {
		return
	}
	_, _ = io.WriteString(s.out, clearLine+s.status)
	s.shown = true
}

// fit cuts the status to one column less than the terminal's width.
func (s *StatusLine) fit(status string) string {
	if s.width == nil {
		return status
	}
	w := s.width() - 1
	if w <= 0 || utf8.RuneCountInString(status) <= w {
		return status
	}
	for i := range status {
		if w == 0 {
			return status[:i]
		}
		w--
	}
	return status
}
