package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is the encoding of a report file.
type Format string

// The report formats.
const (
	FormatCSV   Format = "csv"
	FormatJSONL Format = "jsonl"
)

// FormatFromPath picks the report format from the file name: ".jsonl" and ".ndjson" are JSON
// Lines, anything else (including "-" for stdout) is CSV.
func FormatFromPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return FormatJSONL
	}
	return FormatCSV
}

// Writer writes report rows. Each Write reaches the operating system before it returns, in
// one write call, so a crash loses at most the rows in flight and leaves at most a torn last
// line (which Read ignores).
//
// A Writer is not safe for concurrent use: the design has exactly one goroutine own it
// (workers send their Results to that goroutine), so it takes no locks.
type Writer interface {
	Write(Result) error
	// Close finishes the report (a CSV report with no rows still gets its header) and, for a
	// file opened by Create, syncs it to disk and closes it.
	Close() error
}

// Create opens the report at path for writing, truncating it, in the given format ("" means
// FormatFromPath(path)). The path "-" writes to stdout, which Close does not close.
func Create(path string, format Format, stdout io.Writer) (Writer, error) {
	return create(path, format, stdout, false)
}

// CreateBuffered is Create for a report that need not survive a crash row by row (a dry
// run: nothing was sent, so there is nothing to resume): rows are written in 64 KiB blocks
// instead of one write call each, and Close writes the rest.
func CreateBuffered(path string, format Format, stdout io.Writer) (Writer, error) {
	return create(path, format, stdout, true)
}

func create(path string, format Format, stdout io.Writer, buffered bool) (Writer, error) {
	if format == "" {
		format = FormatFromPath(path)
	}
	newWriter, err := writerFor(format)
	if err != nil {
		return nil, err
	}
	if path == "-" {
		if stdout == nil {
			return nil, errors.New("report to stdout (-): no stdout given")
		}
		if buffered {
			bw := bufio.NewWriterSize(stdout, 64<<10)
			return newWriter(bw, bw.Flush), nil
		}
		return newWriter(stdout, nil), nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create report: %w", err)
	}
	if buffered {
		bw := bufio.NewWriterSize(f, 64<<10)
		return newWriter(bw, func() error {
			flushErr := bw.Flush()
			closeErr := syncAndClose(f)
			if flushErr != nil {
				return fmt.Errorf("write report %s: %w", path, flushErr)
			}
			return closeErr
		}), nil
	}
	return newWriter(f, func() error { return syncAndClose(f) }), nil
}

// writerFor returns the constructor of a format's writer.
func writerFor(format Format) (func(io.Writer, func() error) Writer, error) {
	switch format {
	case FormatCSV:
		return func(w io.Writer, closer func() error) Writer { return newCSVWriter(w, closer) }, nil
	case FormatJSONL:
		return func(w io.Writer, closer func() error) Writer { return newJSONLWriter(w, closer) }, nil
	}
	return nil, fmt.Errorf("unknown report format %q (want %q or %q)", format, FormatCSV, FormatJSONL)
}

// syncAndClose makes the report durable before closing it: rows were handed to the OS one by
// one, and this is the one fsync the run pays for. Only regular files sync (/dev/null cannot).
func syncAndClose(f *os.File) error {
	var syncErr error
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		syncErr = f.Sync()
	}
	closeErr := f.Close()
	if syncErr != nil {
		return fmt.Errorf("sync report %s: %w", f.Name(), syncErr)
	}
	if closeErr != nil {
		return fmt.Errorf("close report %s: %w", f.Name(), closeErr)
	}
	return nil
}
