package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/akimport/akimport/mapping"
)

// input is the opened input file (or stdin) with what the run needs to know about it.
type input struct {
	rc          io.ReadCloser
	counter     *countingReader
	size        int64  // 0 when unknown (stdin, pipes)
	fingerprint string // "" for stdin
	// rowsEstimate is an upper bound of the rows (the file's lines), -1 when unknown.
	rowsEstimate int
	format       mapping.Format
	rows         rowCount // counted by countRows (input_count.go)
}

// openInput opens cfg.Input, decides its format and fingerprints it. The fingerprint is a
// hash of the whole file, so --resume can refuse a report made from another file; hashing
// runs at disk speed and costs one extra sequential read.
func openInput(cfg *Config) (*input, error) {
	format := cfg.Format
	if format == "" {
		f, err := mapping.FormatFromPath(cfg.Input)
		if err != nil {
			return nil, &UsageError{Err: err}
		}
		format = f
	}
	in := &input{format: format, rowsEstimate: -1}
	if cfg.Input == "-" {
		in.rc = io.NopCloser(cfg.Stdin)
	} else {
		fp, size, lines, err := fingerprintFile(cfg.Input)
		if err != nil {
			return nil, &UsageError{Err: err}
		}
		if size == 0 {
			// Almost always a failed export; with --deactivate-missing it would mean "everyone left".
			return nil, &UsageError{Err: fmt.Errorf("%s: the file is empty: nothing to import", cfg.Input)}
		}
		f, err := os.Open(cfg.Input)
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("cannot open the input: %w", err)}
		}
		in.rc, in.size, in.fingerprint, in.rowsEstimate = f, size, fp, lines
	}
	in.counter = &countingReader{r: in.rc}
	return in, nil
}

// fingerprintFile hashes the file and counts its lines on the way (an upper bound of its
// rows, which --lookup auto weighs against the cost of reading authentik's users).
func fingerprintFile(path string) (fingerprint string, size int64, lines int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, 0, fmt.Errorf("cannot open the input: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, 0, fmt.Errorf("cannot read the input %s: %w", path, err)
	}
	if st.IsDir() {
		return "", 0, 0, fmt.Errorf("the input %s is a directory, not a CSV or JSONL file", path)
	}
	h := sha256.New()
	counter := &lineCounter{w: h}
	n, err := io.Copy(counter, f)
	if err != nil {
		return "", 0, 0, fmt.Errorf("cannot read the input %s: %w", path, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32], n, counter.lines + 1, nil
}

// lineCounter counts the newlines written through it.
type lineCounter struct {
	w     io.Writer
	lines int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	return c.w.Write(p)
}

// countingReader counts the bytes read so progress can estimate the share of the file done.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
