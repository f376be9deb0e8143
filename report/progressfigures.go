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
	limit   int           // --concurrency auto's limit now; 0 = not shown
}

// InputPosition is how far the reader is in the input, from which the total number of rows
// is estimated.
type InputPosition struct {
	RowsRead  int64 // rows the reader has handed on (0: use the rows reported)
	BytesRead int64
	Size      int64 // the input's size; 0 when unknown (stdin, a pipe)
	Finished  bool  // the reader reached the end: RowsRead is the total
}

// computeFigures estimates the total from the rows read and the share of the input's bytes
// they came from: 4 213 rows read from 42% of the bytes make about 10 000 rows. The
// percentage is of rows reported, which lag the reader by the rows in flight.
func computeFigures(s Snapshot, elapsed time.Duration, pos InputPosition) figures {
	f := figures{snap: s, elapsed: elapsed, eta: -1}
	if elapsed > 0 {
		f.rate = float64(s.Rows) / elapsed.Seconds()
	}
	rowsRead := max(pos.RowsRead, s.Rows)
	switch {
	case pos.Finished:
		f.total = rowsRead
	case pos.Size > 0 && pos.BytesRead > 0:
		share := min(float64(pos.BytesRead)/float64(pos.Size), 1)
		f.total = max(int64(math.Round(float64(rowsRead)/share)), rowsRead)
		if f.total == 0 {
			f.known, f.percent = true, share*100
			return f
		}
	default:
		return f
	}
	f.known = true
	if f.total > 0 {
		f.percent = min(float64(s.Rows)/float64(f.total), 1) * 100
	}
	if f.rate > 0 {
		left := float64(max(f.total-s.Rows, 0)) / f.rate
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
	if f.limit > 0 {
		fmt.Fprintf(&b, "  limit %d", f.limit)
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
	if f.limit > 0 {
		fields = append(fields, zap.Int("concurrency_limit", f.limit))
	}
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
