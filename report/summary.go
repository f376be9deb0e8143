package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// WriteText writes the summary for people (the CLI sends it to stderr): an aligned table of
// the non-zero counts, retries, time and speed, the invalid rows' commonest problems, then
// where the report is and what the exit code means.
func WriteText(w io.Writer, s Summary) error {
	type tableRow struct{ label, value string }
	rows := []tableRow{{"rows", groupDigits(s.Rows)}}
	for _, status := range statusOrder {
		if n := s.Counts[status]; n != 0 {
			rows = append(rows, tableRow{string(status), groupDigits(n)})
		}
	}
	if s.Retries != 0 {
		rows = append(rows, tableRow{"retries", groupDigits(s.Retries)})
	}
	if e := s.RecoveryEmails; e != nil {
		rows = append(rows, tableRow{"e-mails sent", groupDigits(e.Sent)})
		if e.NotSent != 0 {
			rows = append(rows, tableRow{"e-mails not sent", groupDigits(e.NotSent)})
		}
	}
	if s.CarriedOver != 0 {
		rows = append(rows, tableRow{"carried over", groupDigits(s.CarriedOver)})
	}
	rows = append(rows,
		tableRow{"elapsed", formatElapsed(s.ElapsedSeconds)},
		tableRow{"rows/s", strconv.FormatFloat(s.RowsPerSecond, 'f', 1, 64)})
	if c := s.Concurrency; c != nil {
		rows = append(rows, tableRow{"concurrency", fmt.Sprintf("%d (auto, seen %d-%d)", c.Limit, c.MinSeen, c.MaxSeen)})
	}

	labelWidth, valueWidth := 0, 0
	for _, r := range rows {
		labelWidth = max(labelWidth, len(r.label))
		valueWidth = max(valueWidth, len(r.value))
	}
	var b bytes.Buffer
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %*s\n", labelWidth, r.label, valueWidth, r.value)
	}
	if len(s.InvalidProblems) > 0 {
		b.WriteString("invalid rows by problem:\n")
		width := len(groupDigits(max(s.InvalidProblems[0].Rows, s.InvalidOtherProblems)))
		for _, p := range s.InvalidProblems {
			field := p.Field
			if field != "" {
				field += ": "
			}
			fmt.Fprintf(&b, "  %*s  %s%s\n", width, groupDigits(p.Rows), field, p.Message)
		}
		if s.InvalidOtherProblems > 0 {
			fmt.Fprintf(&b, "  %*s  other problems\n", width, groupDigits(s.InvalidOtherProblems))
		}
	}
	if s.ReportPath != "" {
		fmt.Fprintf(&b, "report: %s\n", s.ReportPath)
	}
	if s.DryRun {
		b.WriteString("dry run: nothing was changed on the server\n")
	}
	fmt.Fprintf(&b, "exit code %d", s.ExitCode)
	if s.ExitMeaning != "" {
		fmt.Fprintf(&b, ": %s", s.ExitMeaning)
	}
	b.WriteByte('\n')
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// WriteJSON writes the summary as indented JSON to path (--summary-json), replacing the file
// atomically.
func WriteJSON(path string, s Summary) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// zapTime is the time layout of the CLI's JSON logs (zap's ISO8601TimeEncoder).
const zapTime = "2006-01-02T15:04:05.000Z0700"

// WriteSummaryLine writes the summary as one JSON log line, as zap would log it with
// --log-format json: level, ts and msg "summary", then the fields of WriteJSON.
func WriteSummaryLine(w io.Writer, s Summary) error {
	head, _ := json.Marshal(struct { // three strings: cannot fail
		Level string `json:"level"`
		TS    string `json:"ts"`
		Msg   string `json:"msg"`
	}{"info", s.FinishedAt.Format(zapTime), "summary"})
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	line := append(append(head[:len(head)-1], ','), body[1:]...)
	if _, err := w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// formatElapsed shows seconds as a rounded duration: "1m2.35s", "812ms".
func formatElapsed(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second))
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// groupDigits writes n in groups of three digits, "10 000": no locale reads it as decimals.
func groupDigits(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ' ')
		}
		b = append(b, digits[i])
	}
	return sign + string(b)
}

// writeFileAtomic replaces path with data so that a reader (such as node-exporter's textfile
// collector) sees either the old file or the new one: a temporary file beside it, synced,
// renamed over. Something that is not a regular file (/dev/null, a pipe) is written to as it is.
func writeFileAtomic(path string, data []byte) (err error) {
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.Write(data)
			if closeErr := f.Close(); err == nil {
				err = closeErr
			}
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()           // may already be closed; the write error matters more
			_ = os.Remove(tmp.Name()) // best effort: leave no temporary file behind
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	// CreateTemp makes the file 0600; the collector usually runs as another user.
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
