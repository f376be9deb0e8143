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
	snap    Snapshot
	elapsed time.Duration
	rate    float64       // rows per second since the start
	known   bool          // the input size is known: the fields below are set
	total   int64         // estimated rows in the input
	percent float64       // of the input read
	eta     time.Duration // estimated time left; -1 when no rows have arrived yet
}

// computeFigures estimates the total from the share of the input's bytes read so far: with
// 42% of the bytes read and 4 213 rows reported, the input has about 10 000 rows.
func computeFigures(s Snapshot, elapsed time.Duration, read, size int64) figures {
	f := figures{snap: s, elapsed: elapsed, eta: -1}
	if elapsed > 0 {
		f.rate = float64(s.Rows) / elapsed.Seconds()
	}
	if size <= 0 || read <= 0 {
		return f
	}
	share := min(float64(read)/float64(size), 1)
	f.known = true
	f.percent = share * 100
	f.total = max(int64(math.Round(float64(s.Rows)/share)), s.Rows)
	if f.rate > 0 {
		left := float64(f.total-s.Rows) / f.rate
		f.eta = time.Duration(left * float64(time.Second))
	}
	return f
}

// shownStatuses are the statuses the progress shows: created, invalid and failed always (the
// figures people watch), the others once they occur.
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

// renderBar draws one frame, without the leading "\r":
//
//	[========>           ] 4 213/~10 000 rows  42%  812 rows/s  ETA 7s  created 4 100  invalid 13  failed 0
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
		b.WriteString("] ")
		total := "?" // no rows yet to estimate from
		if f.total > 0 {
			total = groupDigits(f.total)
		}
		fmt.Fprintf(&b, "%s/~%s rows  %d%%", groupDigits(f.snap.Rows), total, int(f.percent))
	} else {
		fmt.Fprintf(&b, "%s rows", groupDigits(f.snap.Rows))
	}
	fmt.Fprintf(&b, "  %s rows/s", groupDigits(int64(math.Round(f.rate))))
	if f.known && f.eta >= 0 {
		fmt.Fprintf(&b, "  ETA %s", f.eta.Round(time.Second))
	}
	for _, status := range shownStatuses(f.snap) {
		fmt.Fprintf(&b, "  %s %s", status, groupDigits(f.snap.Count(status)))
	}
	return b.String()
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
	if f.known {
		fields = append(fields, zap.Float64("percent", math.Round(f.percent*10)/10))
		if f.total > 0 {
			fields = append(fields, zap.Int64("total_estimate", f.total))
		}
		if f.eta >= 0 {
			fields = append(fields, zap.Duration("eta", f.eta.Round(time.Second)))
		}
	}
	return fields
}
