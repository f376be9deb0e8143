package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadTolerance(t *testing.T) {
	const header = "line,username,status,http_status,pk,uuid,attempts,error,warnings,input\n"
	alice := Result{Line: 2, Username: "alice", Status: StatusCreated, HTTPStatus: 201, PK: 7, Attempts: 1, Input: "fp"}
	bob := Result{Line: 3, Username: "bob", Status: StatusInvalid, Error: "email: Enter a valid email address.", Input: "fp"}
	tests := []struct {
		name    string
		data    string
		want    []Result
		wantErr string // substring; "" means no error
	}{
		{"empty input", "", nil, ""},
		{"blank input", " \n\n", nil, ""},
		{"header only", header, nil, ""},
		{"torn header", "line,userna", nil, ""},
		{"csv", header + "2,alice,created,201,7,,1,,,fp\n3,bob,invalid,,,,0,email: Enter a valid email address.,,fp\n", []Result{alice, bob}, ""},
		{"csv torn in a cell", header + "2,alice,created,201,7,,1,,,fp\n3,bob,inv", []Result{alice}, ""},
		{"csv torn in a quoted cell", header + "2,alice,created,201,7,,1,,,fp\n3,\"bob", []Result{alice}, ""},
		{"csv torn after a quoted newline", header + "2,alice,created,201,7,,1,,,fp\n3,\"bob\nsmith", []Result{alice}, ""},
		{"csv complete last row without newline", header + "2,alice,created,201,7,,1,,,fp", []Result{alice}, ""},
		{"csv crlf", strings.ReplaceAll(header+"2,alice,created,201,7,,1,,,fp\n", "\n", "\r\n"), []Result{alice}, ""},
		{"csv bom", "\ufeff" + header + "2,alice,created,201,7,,1,,,fp\n", []Result{alice}, ""},
		{"csv reordered and extra columns", "status,extra,input,line,attempts,pk,http_status,username\ncreated,x,fp,2,1,7,201,alice\n", []Result{alice}, ""},
		{"csv only required columns", "status,line\ncreated,2\n", []Result{{Line: 2, Status: StatusCreated}}, ""},
		{"csv header names trimmed and case-blind", " Line , STATUS \n2,created\n", []Result{{Line: 2, Status: StatusCreated}}, ""},
		{"csv missing line column", "username,status\nalice,created\n", nil, "missing column line"},
		{"csv missing both", "username\nalice\n", nil, "missing column line, status"},
		{"csv duplicate column", "line,status,line\n2,created,3\n", nil, `column "line" appears twice`},
		{"csv short row in the middle", header + "2,alice\n3,bob,invalid,,,,0,,,fp\n", nil, "line 2"},
		{"csv bad number in the middle", header + "x,alice,created,201,7,,1,,,fp\n3,bob,invalid,,,,0,,,fp\n", nil, `line 2: column line: "x" is not a whole number`},
		{"csv negative number", header + "2,alice,created,201,-7,,1,,,fp\n", nil, `column pk: "-7"`},
		{"csv unknown status in the middle", header + "2,alice,done,201,7,,1,,,fp\n3,bob,invalid,,,,0,,,fp\n", nil, `line 2: column status: unknown status "done"`},
		{"csv bad last line with newline", header + "2,alice,created,201,7,,1,,,fp\n3,bob\n", nil, "line 3"},
		{"csv bad quote in the middle", header + "2,al\"ice,created,201,7,,1,,,fp\n3,bob,invalid,,,,0,,,fp\n", nil, "line 2"},
		{"csv line number counts quoted newlines", header + "2,\"a\nb\",created,,,,1,,,fp\n3,bob,nope,,,,0,,,fp\n", nil, "line 4"},
		{"jsonl", `{"line":2,"username":"alice","status":"created","http_status":201,"pk":7,"attempts":1,"input":"fp"}` + "\n", []Result{alice}, ""},
		{"jsonl torn", `{"line":2,"username":"alice","status":"created","http_status":201,"pk":7,"attempts":1,"input":"fp"}` + "\n" + `{"line":3,"userna`, []Result{alice}, ""},
		{"jsonl complete without newline", `{"line":2,"username":"alice","status":"created","http_status":201,"pk":7,"attempts":1,"input":"fp"}`, []Result{alice}, ""},
		{"jsonl crlf and blank lines", "\r\n" + `{"line":2,"username":"alice","status":"created","http_status":201,"pk":7,"attempts":1,"input":"fp"}` + "\r\n\r\n", []Result{alice}, ""},
		{"jsonl bom", "\ufeff" + `{"line":2,"username":"alice","status":"created","http_status":201,"pk":7,"attempts":1,"input":"fp"}` + "\n", []Result{alice}, ""},
		{"jsonl unknown fields ignored", `{"line":0,"status":"deactivated","later":true}` + "\n", []Result{{Status: StatusDeactivated}}, ""},
		{"jsonl bad line in the middle", `{"line":2,"status":"created"}` + "\n{oops\n" + `{"line":4,"status":"created"}` + "\n", nil, "line 2: not a report row"},
		{"jsonl missing line", `{"status":"created"}` + "\n", nil, `line 1: field "line" is missing`},
		{"jsonl negative line", `{"line":-1,"status":"created"}` + "\n", nil, `line 1: field "line" is negative`},
		{"jsonl unknown status", `{"line":1,"status":"ok"}` + "\n", nil, `line 1: column status: unknown status "ok"`},
		{"jsonl bad last line with newline", `{"line":2,"status":"created"}` + "\n{oops\n", nil, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, []byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Read error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read:\ngot  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReadStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	for _, name := range []string{"report.golden.csv", "report.golden.jsonl"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			err = Read(bytes.NewReader(data), func(Result) error { calls++; return stop })
			if !errors.Is(err, stop) || calls != 1 {
				t.Errorf("Read = %v after %d calls, want %v after 1", err, calls, stop)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	var got []Result
	if err := ReadFile(filepath.Join("testdata", "report.golden.jsonl"), func(r Result) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if want := sampleResults(); !reflect.DeepEqual(got, want) {
		t.Errorf("ReadFile:\ngot  %+v\nwant %+v", got, want)
	}

	err := ReadFile(filepath.Join(t.TempDir(), "missing.csv"), func(Result) error { return nil })
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v, want os.ErrNotExist", err)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("line,status\nx,created\n2,created\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = ReadFile(bad, func(Result) error { return nil })
	if err == nil || !strings.Contains(err.Error(), bad+": line 2") {
		t.Errorf("ReadFile(bad) = %v, want it to name the file and line 2", err)
	}
}

// TestReadAfterCrash cuts a real report at every byte: the complete rows are read back, the
// cut one is dropped (or, cut inside its last cell, read with that cell short), and nothing
// is an error.
func TestReadAfterCrash(t *testing.T) {
	for _, name := range []string{"report.golden.csv", "report.golden.jsonl"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			want := sampleResults()
			for cut := range len(data) {
				got, err := readAll(t, data[:cut])
				if err != nil {
					t.Fatalf("cut at byte %d: %v", cut, err)
				}
				// Every row read is a written row, in order. The last may be the torn row
				// when the tear fell in its last cell (CSV "onboarding"), which then is cut short.
				for i, r := range got {
					w := want[i]
					if i == len(got)-1 && strings.HasPrefix(w.Onboarding, r.Onboarding) {
						w.Onboarding = r.Onboarding
					}
					if !reflect.DeepEqual(r, w) {
						t.Fatalf("cut at byte %d: row %d = %+v, want %+v", cut, i, r, want[i])
					}
				}
				if len(got) > len(want) {
					t.Fatalf("cut at byte %d: %d rows, more than written", cut, len(got))
				}
			}
		})
	}
}
