package record

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Sent is REPORT.sent: the highest input line a worker has begun to send, written before
// the row's first request. A row below it that the report does not mention may have been
// created unseen by a run that died; a row above it was never sent, so a user found for it
// is someone else's. It is written (not synced) for every new line: a killed process loses
// nothing the kernel has; a power cut can only lower it, which errs on the safe side.
type Sent struct {
	mu   sync.Mutex
	f    *os.File
	line int
}

// SentPath is where the sent mark of the report at path lives.
func SentPath(path string) string { return path + ".sent" }

// OpenSent starts the sent mark beside the report at path at line from (an earlier run's).
func OpenSent(path string, from int) (*Sent, error) {
	f, err := os.OpenFile(SentPath(path), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot write the sent mark beside the report: %w", err)
	}
	s := &Sent{f: f, line: -1}
	return s, s.Reach(from)
}

// Reach notes that line is about to be sent; a nil Sent notes nothing.
func (s *Sent) Reach(line int) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if line <= s.line {
		return nil
	}
	s.line = line
	if _, err := s.f.WriteAt([]byte(fmt.Sprintf("%20d\n", s.line)), 0); err != nil {
		return fmt.Errorf("writing the sent mark %s: %w", s.f.Name(), err)
	}
	return nil
}

// Close closes the mark's file.
func (s *Sent) Close() error {
	if s == nil {
		return nil
	}
	return s.f.Close()
}

// ReadSent reads the sent mark beside a report; found is false when there is none.
func ReadSent(path string) (line int, found bool, err error) {
	b, err := os.ReadFile(SentPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("the sent mark %s: %w", SentPath(path), err)
	}
	line, err = strconv.Atoi(strings.TrimSpace(string(b)))
	return line, err == nil, nil // unreadable (a kill before its first write): as if none
}
