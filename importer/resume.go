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

// resumePlan is what --resume learned from an earlier report: the lines already done, and
// where to copy them from into the new report (so the last report covers every line once).
type resumePlan struct {
	source string
	done   *lineSet
	rows   int
}

// errOtherInput is returned while reading a report made from a different input file.
var errOtherInput = errors.New("the report was made from another input file")

// planResume reads the earlier report: rows it records as done are skipped this time. Rows
// that were in flight when the earlier run died are not in it; they are sent again, and the
// create's reconciliation finds a user that was created then (lookup, not a second create).
func (r *run) planResume() (*resumePlan, error) {
	src := r.cfg.ResumeFrom
	p := &resumePlan{source: src, done: &lineSet{}}
	var otherFP string
	err := report.ReadFile(src, func(res report.Result) error {
		if res.Input != "" && r.in.fingerprint != "" && res.Input != r.in.fingerprint {
			otherFP = res.Input
			return errOtherInput
		}
		r.noteUnfinished(res) // created earlier, but its password, hash or e-mail is missing
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
			src, otherFP, r.cfg.Input, r.in.fingerprint)}
	}
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: %w", src, err)}
	}
	// The new report is usually written where the old one is: keep the old one aside.
	if samePath(src, r.cfg.ReportPath) {
		moved := asideName(src, time.Now())
		if err := os.Rename(src, moved); err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--resume: cannot move the earlier report aside: %w", err)}
		}
		r.log.Info("earlier report kept", zap.String("path", moved))
		p.source = moved
	}
	r.log.Info("resuming", zap.String("report", src), zap.Int("rows_done", p.rows))
	return p, nil
}

// carryOver copies the done rows of the earlier report into the new one.
func (p *resumePlan) carryOver(results chan<- report.Result) error {
	err := report.ReadFile(p.source, func(res report.Result) error {
		if res.Done() {
			results <- res
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("--resume: reading %s again: %w", p.source, err)
	}
	return nil
}

// asideName is a free name for the earlier report: a second resume within the same second
// must not replace the first one's copy.
func asideName(src string, now time.Time) string {
	base := src + ".resumed-" + now.UTC().Format("20060102T150405Z")
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
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
