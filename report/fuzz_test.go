package report

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRoundTrip writes a row with arbitrary text cells through both writers and reads it
// back. What may legitimately differ:
//   - CSV warnings are one "; "-joined cell, so only the joined text must survive;
//   - encoding/csv reads "\r\n" inside a quoted cell as "\n";
//   - JSON replaces invalid UTF-8 with U+FFFD, so the JSONL check needs valid UTF-8.
//
// The spreadsheet neutralisation must round-trip exactly, including cells that start with '.
func FuzzRoundTrip(f *testing.F) {
	f.Add("alice", "", "")
	f.Add("=1+1", "+cmd|' /C calc'!A0", "-1")
	f.Add("'quoted", "@SUM(1)", "'already")
	f.Add("\tx", "\rx", "a; b")
	f.Add("a,b\"c\nd", "e\r\nf", "")
	f.Add("", "", "; ")
	f.Fuzz(func(t *testing.T, username, errText, warning string) {
		want := Result{Line: 2, Username: username, Status: StatusRejected, HTTPStatus: 400, Attempts: 1, Error: errText, Action: errText, Input: "fp"}
		if warning != "" {
			want.Warnings = []string{warning, warning}
		}

		var csvBuf bytes.Buffer
		writeAll(t, NewCSVWriter(&csvBuf), []Result{want})
		if viaGocsv := gocsvBytes(t, []Result{want}); !bytes.Equal(csvBuf.Bytes(), viaGocsv) {
			t.Errorf("the writer and gocsv differ:\n%q\n%q", csvBuf.Bytes(), viaGocsv)
		}
		got := readOne(t, "csv", csvBuf.Bytes())
		crlf := strings.NewReplacer("\r\n", "\n")
		wantCSV := want
		wantCSV.Username = crlf.Replace(want.Username)
		wantCSV.Error = crlf.Replace(want.Error)
		wantCSV.Action = crlf.Replace(want.Action)
		join := func(w []string) string { return strings.Join(w, warningSeparator) }
		gotWarnings, wantWarnings := join(got.Warnings), crlf.Replace(join(want.Warnings))
		got.Warnings, wantCSV.Warnings = nil, nil
		if !reflect.DeepEqual(got, wantCSV) || gotWarnings != wantWarnings {
			t.Errorf("csv round trip:\ngot  %#v warnings %q\nwant %#v warnings %q", got, gotWarnings, wantCSV, wantWarnings)
		}

		if !utf8.ValidString(username) || !utf8.ValidString(errText) || !utf8.ValidString(warning) {
			return
		}
		var jsonlBuf bytes.Buffer
		writeAll(t, NewJSONLWriter(&jsonlBuf), []Result{want})
		if got := readOne(t, "jsonl", jsonlBuf.Bytes()); !reflect.DeepEqual(got, want) {
			t.Errorf("jsonl round trip:\ngot  %#v\nwant %#v", got, want)
		}
	})
}

// readOne reads a report that must hold exactly one row.
func readOne(t *testing.T, format string, data []byte) Result {
	t.Helper()
	rows, err := readAll(t, data)
	if err != nil {
		t.Fatalf("%s: Read: %v\nreport: %q", format, err, data)
	}
	if len(rows) != 1 {
		t.Fatalf("%s: read %d rows, want 1\nreport: %q", format, len(rows), data)
	}
	return rows[0]
}

// FuzzRead feeds arbitrary bytes to Read: errors are fine, panics and rows with unknown
// statuses are not.
func FuzzRead(f *testing.F) {
	f.Add([]byte("line,username,status\n2,alice,created\n"))
	f.Add([]byte(`{"line":2,"status":"created"}` + "\n{"))
	f.Add([]byte("\ufeff\r\n status , line \r\ncreated,\"2\"\r\n3,\"x"))
	f.Add([]byte("line,status,warnings\n0,deactivated,'-a; b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Read(bytes.NewReader(data), func(r Result) error {
			if !r.Status.Known() || r.Line < 0 {
				t.Errorf("Read accepted row %+v", r)
			}
			return nil
		})
	})
}
