package importer

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/record"

	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// input is what the run knows of its input before importing it, from one pass over the
// file: the fingerprint --resume checks, an estimate of its rows, and for
// --deactivate-missing the usernames its rows name. The import itself is the second and
// last pass.
type input struct {
	path        string
	read        *countingReader // the import's pass
	format      mapping.Format
	size        int64
	fingerprint string     // "" for standard input
	mapping     string     // the mapping file's fingerprint, "" without one
	reading     string     // how it is read (format, sheet, delimiter, encoding): a resume repeats it
	lines       int        // an upper bound of the rows (the file's lines); -1 unknown
	rows        int64      // the rows, counted; -1 unknown
	names       identities // for --deactivate-missing: who the rows name
}

// scanInput is the first pass: it hashes the file and counts its lines, its rows when
// progress will show them, and when usernames is set it reads every row for the usernames
// deactivation must spare.
func scanInput(ctx context.Context, cfg Config, opts mapping.Options, countRows, usernames bool) (*input, error) {
	in := &input{path: cfg.Input, format: opts.Format, lines: -1, rows: -1}
	if cfg.Input == "-" {
		return in, nil
	}
	f, err := os.Open(cfg.Input)
	if err != nil {
		return nil, fmt.Errorf("cannot open the input: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.IsDir() {
		return nil, fmt.Errorf("the input %s is a directory or cannot be read, not a CSV or JSONL file", cfg.Input)
	} else if st.Mode().IsRegular() && st.Size() == 0 {
		// Almost always a failed export; with --deactivate-missing it would mean "everyone left".
		return nil, fmt.Errorf("%s: the file is empty: nothing to import", cfg.Input)
	}
	h := sha256.New()
	lines := &lineCounter{w: h}
	tee := io.TeeReader(f, lines)
	switch {
	case usernames:
		in.rows, err = in.names.read(tee, opts)
	case countRows || opts.Format == mapping.FormatXLSX: // a zip's lines say nothing of its rows
		in.rows, err = mapping.CountRows(ctx, tee, opts)
		if err != nil {
			in.rows, err = -1, nil // progress then shows no percentage
		}
	}
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(lines, f); err != nil {
		return nil, fmt.Errorf("cannot read the input %s: %w", cfg.Input, err)
	}
	in.size, in.lines = lines.n, lines.lines+1
	if in.rows >= 0 {
		in.lines = int(in.rows) + 1
	}
	in.fingerprint = "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
	return in, nil
}

// fingerprint names a small file's content as the input's fingerprint names the input's.
func fingerprint(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])[:32]
}

// lineCounter counts the bytes and newlines written through it.
type lineCounter struct {
	w     io.Writer
	n     int64
	lines int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	c.n += int64(len(p))
	return c.w.Write(p)
}

// countingReader counts the bytes read, so progress can show the share of the file done.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// position is how far the import's reader is, for progress.
func (in *input) position(rowsRead int64, finished bool) report.InputPosition {
	return report.InputPosition{RowsRead: rowsRead, BytesRead: in.read.n.Load(), Rows: max(in.rows, 0), Counted: in.rows >= 0, Finished: finished}
}

// open prepares everything that needs no server: the report's lock, the input read once
// (scanInput) and opened for the import, the earlier run of --resume, and the client.
func (r *runner) open(ctx context.Context) (in *input, reader *mapping.Reader, resumed *resume, client *authentik.Client, release func(), err error) {
	cfg := r.cfg
	var undo []func()
	closeAll := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	opts := mapping.Options{Format: cfg.Format, Delimiter: cfg.Delimiter, Encoding: cfg.Encoding, Sheet: cfg.Sheet}
	if opts.Format == "" {
		if opts.Format, err = mapping.FormatFromPath(cfg.Input); err != nil {
			return nil, nil, nil, nil, nil, &UsageError{Err: err}
		}
	}
	if cfg.MappingFile != "" {
		if opts.Mapping, err = mapping.LoadMapping(cfg.MappingFile); err != nil {
			return nil, nil, nil, nil, nil, &UsageError{Err: fmt.Errorf("mapping file %s: %w", cfg.MappingFile, err)}
		}
	}
	locks := []string{cfg.ReportPath}
	if cfg.ResumeFrom != "" && !samePath(cfg.ResumeFrom, cfg.ReportPath) {
		locks = append(locks, cfg.ResumeFrom) // the report resumed is no other run's to write meanwhile
	}
	for _, path := range locks {
		if record.Regular(path) {
			unlock, err := record.Lock(path)
			if err != nil {
				return nil, nil, nil, nil, nil, &UsageError{Err: err}
			}
			undo = append(undo, unlock)
		}
	}
	if _, real, _ := record.ReadRun(cfg.ReportPath); cfg.DryRun && real {
		return nil, nil, nil, nil, nil, &UsageError{Err: fmt.Errorf("--report %s holds the report of an import that sent requests (its run record is beside it): a dry run changes nothing, so it will not move that report aside; give the dry run another --report (e.g. --report plan.csv, or - for standard output)", cfg.ReportPath)}
	}
	if in, err = scanInput(ctx, cfg, opts, report.ProgressMode(cfg.Progress) != report.ProgressNever, cfg.DeactivateMissing); err != nil {
		return nil, nil, nil, nil, nil, &UsageError{Err: err}
	}
	if cfg.MappingFile != "" {
		b, err := os.ReadFile(cfg.MappingFile)
		if err != nil {
			return nil, nil, nil, nil, nil, &UsageError{Err: fmt.Errorf("mapping file %s: %w", cfg.MappingFile, err)}
		}
		in.mapping = fingerprint(b)
	}
	src := cfg.Stdin
	if cfg.Input != "-" {
		f, err := os.Open(cfg.Input)
		if err != nil {
			return nil, nil, nil, nil, nil, &UsageError{Err: fmt.Errorf("cannot open the input: %w", err)}
		}
		undo = append(undo, func() { f.Close() })
		src = f
	}
	in.read = &countingReader{r: src}
	if reader, err = mapping.NewReader(in.read, opts); err != nil {
		return nil, nil, nil, nil, nil, &UsageError{Err: fmt.Errorf("%s: %w", displayName(cfg.Input), err)}
	}
	opened := reader // the named result is nil again on an error return
	undo = append(undo, func() { opened.Close() })
	in.reading = fmt.Sprintf("format %s, sheet %q, delimiter %q, encoding %s", opts.Format, opts.Sheet,
		string(reader.Delimiter()), cmp.Or(opts.Encoding, "utf-8")) // what the flags resolve to
	if client, err = connect(cfg); err != nil {
		return nil, nil, nil, nil, nil, err
	}
	if cfg.ResumeFrom != "" {
		if resumed, err = readResume(cfg, in, baseURL(client), r.log); err != nil {
			return nil, nil, nil, nil, nil, err
		}
	}
	return in, reader, resumed, client, closeAll, nil
}
