package mapping

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

func newRequest(username, email string) *authentik.UserRequest {
	return &authentik.UserRequest{Username: username, Email: &email}
}

// readAll reads every row of input, failing the test on a stream error.
func readAll(t *testing.T, format Format, input string, m *Mapping) []Row {
	t.Helper()
	r, err := NewReader(strings.NewReader(input), Options{Format: format, Mapping: m})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
		if len(rows) > 1_000_000 {
			t.Fatal("too many rows")
		}
	}
}

// readOne reads an input that must give exactly one row.
func readOne(t *testing.T, format Format, input string, m *Mapping) Row {
	t.Helper()
	rows := readAll(t, format, input, m)
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1: %+v", len(rows), rows)
	}
	return rows[0]
}

func mustMapping(t *testing.T, yaml string) *Mapping {
	t.Helper()
	m, err := ParseMapping([]byte(yaml))
	if err != nil {
		t.Fatalf("ParseMapping: %v", err)
	}
	return m
}

// checkErrors compares a row's errors with want (nil: the row must be valid).
func checkErrors(t *testing.T, row Row, want authentik.FieldErrors) {
	t.Helper()
	if len(want) == 0 {
		if !row.Valid() {
			t.Fatalf("line %d: unexpected errors: %s", row.Line, row.Errors)
		}
		if row.Request == nil {
			t.Fatalf("line %d: valid row without a request", row.Line)
		}
		return
	}
	if !reflect.DeepEqual(row.Errors, want) {
		t.Fatalf("line %d errors:\n got %s\nwant %s", row.Line, row.Errors, want)
	}
	if row.Request != nil {
		t.Errorf("line %d: invalid row has a request", row.Line)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
