package mapping

import (
	"path/filepath"
	"strings"
)

// Format is the input file's format.
type Format string

// The input formats.
const (
	FormatCSV   Format = "csv"
	FormatJSONL Format = "jsonl"
	FormatXLSX  Format = "xlsx"
)

// FormatFromPath tells the format from the file's extension: .csv (.tsv), .jsonl (.ndjson,
// .jsonlines, .json-lines) or .xlsx (.xlsm).
func FormatFromPath(path string) (Format, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv", ".tsv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson", ".jsonlines", ".json-lines":
		return FormatJSONL, nil
	case ".xlsx", ".xlsm":
		return FormatXLSX, nil
	case ".xls", ".ods", ".numbers":
		return "", inputErrorf("cannot read %s files: save it as .xlsx, or as CSV UTF-8", ext)
	}
	if path == "-" {
		return "", inputErrorf("cannot tell the format of standard input: use --format csv, jsonl or xlsx")
	}
	return "", inputErrorf("cannot tell the format of %q from its extension (expected .csv, .jsonl, .ndjson or .xlsx): use --format csv, jsonl or xlsx", path)
}

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatCSV, FormatJSONL, FormatXLSX:
		return f, nil
	case "ndjson":
		return FormatJSONL, nil
	case "tsv":
		return FormatCSV, nil
	}
	return "", inputErrorf("unknown format %q: use csv, jsonl or xlsx", s)
}
