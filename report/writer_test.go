package report

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWritersGolden(t *testing.T) {
	tests := []struct {
		name   string
		golden string
		newW   func(*bytes.Buffer) Writer
	}{
		{"csv", "report.golden.csv", func(b *bytes.Buffer) Writer { return NewCSVWriter(b) }},
		{"jsonl", "report.golden.jsonl", func(b *bytes.Buffer) Writer { return NewJSONLWriter(b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			writeAll(t, tt.newW(&buf), sampleResults())
			golden(t, tt.golden, buf.Bytes())

			got, err := readAll(t, buf.Bytes())
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if want := sampleResults(); !reflect.DeepEqual(got, want) {
				t.Errorf("read back:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestCSVHeader(t *testing.T) {
	var buf bytes.Buffer
	writeAll(t, NewCSVWriter(&buf), sampleResults()[:1])
	firstLine, _, _ := strings.Cut(buf.String(), "\n")
	if want := "line,username,status,http_status,pk,uuid,attempts,error,warnings,input,action,onboarding"; firstLine != want {
		t.Errorf("header = %q, want %q", firstLine, want)
	}
}

func TestCSVEmptyReportHasHeader(t *testing.T) {
	var buf bytes.Buffer
	writeAll(t, NewCSVWriter(&buf), nil)
	if got, want := buf.String(), strings.Join(csvHeader, ",")+"\n"; got != want {
		t.Errorf("empty report = %q, want %q", got, want)
	}
	if rows, err := readAll(t, buf.Bytes()); err != nil || len(rows) != 0 {
		t.Errorf("read empty report = %v, %v; want no rows, no error", rows, err)
	}
}

// writeRecorder records each Write call separately.
type writeRecorder struct {
	calls []string
	err   error
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.calls = append(w.calls, string(p))
	return len(p), nil
}

func TestOneWriteCallPerRow(t *testing.T) {
	tests := []struct {
		name string
		newW func(*writeRecorder) Writer
	}{
		{"csv", func(w *writeRecorder) Writer { return NewCSVWriter(w) }},
		{"jsonl", func(w *writeRecorder) Writer { return NewJSONLWriter(w) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &writeRecorder{}
			w := tt.newW(rec)
			results := sampleResults()
			for i, r := range results {
				if err := w.Write(r); err != nil {
					t.Fatalf("Write: %v", err)
				}
				// Flushed as written: the row reached the io.Writer before Write returned.
				if got, want := len(rec.calls), i+1; got != want {
					t.Fatalf("after row %d: %d write calls, want %d", i+1, got, want)
				}
				if last := rec.calls[i]; !strings.HasSuffix(last, "\n") {
					t.Errorf("row %d written without its newline: %q", i+1, last)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if got, want := len(rec.calls), len(results); got != want {
				t.Errorf("Close wrote: %d calls, want %d", got, want)
			}
		})
	}
}

func TestWriteErrorSticks(t *testing.T) {
	boom := errors.New("disk full")
	for _, tt := range []struct {
		name string
		newW func(*writeRecorder) Writer
	}{
		{"csv", func(w *writeRecorder) Writer { return NewCSVWriter(w) }},
		{"jsonl", func(w *writeRecorder) Writer { return NewJSONLWriter(w) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &writeRecorder{err: boom}
			w := tt.newW(rec)
			if err := w.Write(sampleResults()[0]); !errors.Is(err, boom) {
				t.Fatalf("Write error = %v, want %v", err, boom)
			}
			rec.err = nil
			if err := w.Write(sampleResults()[1]); !errors.Is(err, boom) {
				t.Errorf("second Write error = %v, want the first error again", err)
			}
			if err := w.Close(); !errors.Is(err, boom) {
				t.Errorf("Close error = %v, want %v", err, boom)
			}
		})
	}
}

func TestFormatFromPath(t *testing.T) {
	tests := []struct {
		path string
		want Format
	}{
		{"report.csv", FormatCSV},
		{"report.jsonl", FormatJSONL},
		{"report.ndjson", FormatJSONL},
		{"REPORT.JSONL", FormatJSONL},
		{"report", FormatCSV},
		{"report.json", FormatCSV},
		{"-", FormatCSV},
		{"dir.jsonl/report.csv", FormatCSV},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := FormatFromPath(tt.path); got != tt.want {
				t.Errorf("FormatFromPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		path      string
		format    Format
		wantStart string
	}{
		{"csv by extension", filepath.Join(dir, "r.csv"), "", "line,"},
		{"jsonl by extension", filepath.Join(dir, "r.jsonl"), "", `{"line":2,`},
		{"format wins over extension", filepath.Join(dir, "r.txt"), FormatJSONL, `{"line":2,`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			w, err := Create(tt.path, tt.format, &stdout)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			writeAll(t, w, sampleResults()[:2])
			data, err := os.ReadFile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), tt.wantStart) {
				t.Errorf("file starts %q, want prefix %q", data, tt.wantStart)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout got %q, want nothing", stdout.String())
			}
		})
	}
}

func TestCreateStdout(t *testing.T) {
	var stdout bytes.Buffer
	w, err := Create("-", "", &stdout)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	writeAll(t, w, sampleResults()[:1])
	if !strings.HasPrefix(stdout.String(), "line,username,") {
		t.Errorf("stdout = %q, want a CSV report", stdout.String())
	}
}

func TestCreateErrors(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		format Format
		want   string
	}{
		{"unknown format", filepath.Join(t.TempDir(), "r.csv"), "xml", `unknown report format "xml"`},
		{"missing directory", filepath.Join(t.TempDir(), "no", "r.csv"), "", "create report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Create(tt.path, tt.format, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Create error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCreateBufferedWritesEverythingOnClose(t *testing.T) {
	for _, name := range []string{"r.csv", "r.jsonl"} {
		path := filepath.Join(t.TempDir(), name)
		w, err := CreateBuffered(path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5000 {
			if err := w.Write(Result{Line: i + 2, Username: "u", Status: StatusPlanned}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		n := 0
		if err := ReadFile(path, func(Result) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n != 5000 {
			t.Errorf("%s: read back %d rows, want 5000", name, n)
		}
	}
}

// /dev/null and other files that are not regular work as a report, --summary-json and
// --metrics-file: nothing syncs them, nothing renames over them.
func TestNonRegularFiles(t *testing.T) {
	const null = "/dev/null"
	if info, err := os.Stat(null); err != nil || info.Mode().IsRegular() {
		t.Skip("no /dev/null device here")
	}
	for _, create := range []func(string, Format, io.Writer) (Writer, error){Create, CreateBuffered} {
		w, err := create(null, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		writeAll(t, w, sampleResults())
	}
	if err := WriteJSON(null, Summary{}); err != nil {
		t.Errorf("WriteJSON: %v", err)
	}
	if err := WritePrometheusFile(null, Summary{}); err != nil {
		t.Errorf("WritePrometheusFile: %v", err)
	}
	if info, err := os.Stat(null); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", null, info.Mode(), err)
	}
}
