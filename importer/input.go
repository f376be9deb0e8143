package importer

import (
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
	format      mapping.Format
	rows        rowCount // counted by countRows (input_count.go)
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
	in := &input{format: format}
	if cfg.Input == "-" {
		in.rc = io.NopCloser(cfg.Stdin)
	} else {
		fp, size, err := fingerprintFile(cfg.Input)
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
		in.rc, in.size, in.fingerprint = f, size, fp
	}
	in.counter = &countingReader{r: in.rc}
	return in, nil
}

func fingerprintFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("cannot open the input: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, fmt.Errorf("cannot read the input %s: %w", path, err)
	}
	if st.IsDir() {
		return "", 0, fmt.Errorf("the input %s is a directory, not a CSV or JSONL file", path)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("cannot read the input %s: %w", path, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32], n, nil
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
