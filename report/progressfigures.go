package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.uber.org/zap"
)

// figures are what the progress display shows, computed from a snapshot.
type figures struct {
	snap      Snapshot
	elapsed   time.Duration
	rate      float64       // rows per second lately (see rateMeter)
	bytesRead int64         // shown instead of a percentage when the total is not known
	known     bool          // the total is known: the fields below are set
	total     int64         // rows in the input
	done      int64         // input rows reported
	percent   float64       // done of total
	eta       time.Duration // time left at the current rate; -1 when there is no rate yet
	limit     int           // --concurrency auto's limit now; 0 = not shown
}

// InputPosition is how far the reader is in the input and, once counted, its rows.
type InputPosition struct {
	RowsRead  int64 // rows the reader has handed on
	BytesRead int64 // input bytes read so far
	Rows      int64 // rows in the whole input, counted by a first pass; valid when Counted
	Counted   bool
	Finished  bool // the reader reached the end: RowsRead is the total
}

// computeFigures shows a percentage only when the total is known (counted before the run, or
// read to the end): of the input rows reported (line > 0), which lag the reader by the rows
// in flight. The share of bytes read would be wrong by the reader's read-ahead.
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
	f.known = true
	f.done = min(s.InputRows, f.total)
	f.percent = 100
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
type rateMeter struct {
	samples []rateSample
}

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

// shownStatuses are created, invalid and failed (the figures people watch), and the others
// once they occur.
func shownStatuses(s Snapshot) []Status {
	var out []Status
	for _, status := range statusOrder {
		switch status {
		case StatusCreated, StatusInvalid, StatusFailed:
			out = append(out, status)
		default:
			if s.Count(status) != 0 {
				out = append(out, status)
			}
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
		filled := int(f.percent / 100 * barWidth)
		b.WriteByte('[')
		switch {
		case filled >= barWidth:
			b.WriteString(strings.Repeat("=", barWidth))
		case filled > 0:
			b.WriteString(strings.Repeat("=", filled-1) + ">" + strings.Repeat(" ", barWidth-filled))
		default:
			b.WriteString(strings.Repeat(" ", barWidth))
		}
		fmt.Fprintf(&b, "] %s/%s rows  %d%%", groupDigits(f.done), groupDigits(f.total), int(f.percent))
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
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// logFields are the same figures as fields of a log line.
func logFields(f figures) []zap.Field {
	fields := []zap.Field{zap.Int64("rows", f.snap.Rows)}
	for _, status := range shownStatuses(f.snap) {
		fields = append(fields, zap.Int64(string(status), f.snap.Count(status)))
	}
	fields = append(fields,
		zap.Float64("rate", math.Round(f.rate*10)/10),
		zap.Duration("elapsed", f.elapsed.Round(time.Second)))
	if f.limit > 0 {
		fields = append(fields, zap.Int("concurrency_limit", f.limit))
	}
	if f.known {
		fields = append(fields, zap.Float64("percent", math.Round(f.percent*10)/10), zap.Int64("total", f.total))
		if f.eta >= 0 {
			fields = append(fields, zap.Duration("eta", f.eta.Round(time.Second)))
		}
	}
	return fields
}
