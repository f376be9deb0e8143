package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonlRow decodes one JSONL row; the pointer tells a missing "line" from line 0. Its Line
// field shadows the embedded Result's.
type jsonlRow struct {
	Result
	Line *int `json:"line"`
}

func readJSONL(br *bufio.Reader, src *tailReader, fn func(Result) error) error {
	for line := 1; ; line++ {
		text, readErr := br.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return fmt.Errorf("read report: %w", readErr)
		}
		atEnd := errors.Is(readErr, io.EOF)
		if line == 1 {
			text = bytes.TrimPrefix(text, []byte(utf8BOM))
		}
		if len(bytes.TrimSpace(text)) > 0 {
			res, err := decodeJSONLRow(text)
			if err != nil {
				if atEnd && src.endsUnterminated(false) {
					return nil // torn last line
				}
				return lineError(line, err)
			}
			if err := fn(res); err != nil {
				return err
			}
		}
		if atEnd {
			return nil
		}
	}
}

func decodeJSONLRow(text []byte) (Result, error) {
	var row jsonlRow
	if err := json.Unmarshal(text, &row); err != nil {
		return Result{}, fmt.Errorf("not a report row: %w", err)
	}
	if row.Line == nil {
		return Result{}, fmt.Errorf("field %q is missing", colLine)
	}
	if *row.Line < 0 {
		return Result{}, fmt.Errorf("field %q is negative", colLine)
	}
	if _, err := parseStatus(string(row.Status)); err != nil {
		return Result{}, err
	}
	res := row.Result
	res.Line = *row.Line
	return res, nil
}
