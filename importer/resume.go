package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/report"
)

// resumePlan is what --resume learned from an earlier run: the lines its report records as
// done, where to copy them from into the new report (so the last report covers every line
// once), and the rows its journal left open (sent, no outcome: maybe created by it).
type resumePlan struct {
	source string
	done   *lineSet
	rows   int
	open   []int
}

// errOtherInput is returned while reading a report made from a different input file.
var errOtherInput = errors.New("the report was made from another input file")

// planResume reads the earlier report and its journal. Rows the report records as done are
// skipped this time. Rows the journal leaves open were in flight when the earlier run died:
// they are looked up before anything is sent, and only their users may be adopted.
// note sees every row of the earlier report.
func planResume(cfg *Config, fingerprint string, log *zap.Logger, note func(report.Result)) (*resumePlan, error) {
	src := cfg.ResumeFrom
	p := &resumePlan{source: src, done: &lineSet{}}
	reported := &lineSet{}
	var otherFP string
	err := report.ReadFile(src, func(res report.Result) error {
		if res.Input != "" && fingerprint != "" && res.Input != fingerprint {
			otherFP = res.Input
			return errOtherInput
		}
		if res.Line > 0 {
			reported.add(res.Line)
		}
		note(res)
		if res.Done() {
			p.rows++
			if res.Line > 0 {
				p.done.add(res.Line)
			}
		}
		return nil
	})
	if errors.Is(err, errOtherInput) {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: the report was made from another input file (fingerprint %s, %s has %s); resume with the file it was made from, or start without --resume",
			src, otherFP, cfg.Input, fingerprint)}
	}
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: %w", src, err)}
	}
	open, err := readJournal(journalPath(src), reported)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: %w", src, err)}
	}
	for _, line := range open {
		if !p.done.has(line) {
			p.open = append(p.open, line)
		}
	}
	// The new report is usually written where the old one is: keep the old one aside.
	if samePath(src, cfg.ReportPath) {
		moved, err := report.MoveAside(src, time.Now())
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--resume: %w", err)}
		}
		log.Info("earlier report kept", zap.String("path", moved))
		p.source = moved
	}
	log.Info("resuming", zap.String("report", src), zap.Int("rows_done", p.rows), zap.Int("rows_in_flight_then", len(p.open)))
	return p, nil
}

// openLines is the set of rows the earlier run left open.
func (p *resumePlan) openLines() *lineSet {
	s := &lineSet{}
	for _, line := range p.open {
		s.add(line)
	}
	return s
}

// carryOver copies the done rows of the earlier report into the new one.
func (p *resumePlan) carryOver(results chan<- rowResult) error {
	err := report.ReadFile(p.source, func(res report.Result) error {
		if res.Done() {
			results <- rowResult{res: res, carried: true}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("--resume: reading %s again: %w", p.source, err)
	}
	return nil
}

func samePath(a, b string) bool {
	if a == "-" || b == "-" {
		return false
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	ca, _ := filepath.Abs(a)
	cb, _ := filepath.Abs(b)
	return ca == cb
}

// lineSet is a compact set of line numbers (a bitmap: 1M lines cost 125 KiB).
type lineSet struct{ bits []uint64 }

func (s *lineSet) add(line int) {
	i := line / 64
	for len(s.bits) <= i {
		s.bits = append(s.bits, 0)
	}
	s.bits[i] |= 1 << (uint(line) % 64)
}

func (s *lineSet) has(line int) bool {
	i := line / 64
	return line >= 0 && i < len(s.bits) && s.bits[i]&(1<<(uint(line)%64)) != 0
}
