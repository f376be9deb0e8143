package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonlRow decodes one JSONL row; the pointer tells a missing "line" from line 0.
type jsonlRow struct {
	Result
	Line *int `json:"line"`
}

// readJSONL reads a JSON Lines report whose first skipped lines were blank.
func readJSONL(br *bufio.Reader, src *tailReader, skipped int, fn func(Result) error) error {
	for line := skipped + 1; ; line++ {
		text, readErr := br.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return fmt.Errorf("read report: %w", readErr)
		}
		atEnd := errors.Is(readErr, io.EOF)
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
		return Result{}, errors.New(`field "line" is missing`)
	}
	if *row.Line < 0 {
		return Result{}, errors.New(`field "line" is negative`)
	}
	if err := new(Status).UnmarshalCSV(string(row.Status)); err != nil {
		return Result{}, fmt.Errorf("column status: %w", err)
	}
	res := row.Result
	res.Line = *row.Line
	return res, nil
}
