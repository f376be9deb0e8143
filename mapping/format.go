package mapping

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is the input file's format.
type Format string

// The input formats.
const (
	FormatCSV   Format = "csv"
	FormatJSONL Format = "jsonl"
)

// FormatFromPath tells the format from the file's extension: .csv, or .jsonl/.ndjson/.jsonlines/.json-lines.
func FormatFromPath(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson", ".jsonlines", ".json-lines":
		return FormatJSONL, nil
	}
	if path == "-" {
		return "", inputErrorf("cannot tell the format of standard input: use --format csv or --format jsonl")
	}
	return "", inputErrorf("cannot tell the format of %q from its extension (expected .csv, .jsonl or .ndjson): use --format csv or --format jsonl", path)
}

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(s)) {
	case FormatCSV:
		return FormatCSV, nil
	case FormatJSONL, "ndjson":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("%w: unknown format %q: use csv or jsonl", ErrInput, s)
}
