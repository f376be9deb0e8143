package mapping

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCountRows(t *testing.T) {
	const header = "username,name\n"
	tests := []struct {
		name   string
		format Format
		input  string
		want   int64
	}{
		{"csv header only", FormatCSV, header, 0},
		{"csv empty", FormatCSV, "", 0},
		{"csv two rows", FormatCSV, header + "a,A\nb,B\n", 2},
		{"csv no final newline", FormatCSV, header + "a,A\nb,B", 2},
		{"csv CRLF", FormatCSV, "username,name\r\na,A\r\nb,B\r\n", 2},
		{"csv empty lines skipped", FormatCSV, header + "\na,A\n\r\n\nb,B\n\n", 2},
		{"csv quoted newline", FormatCSV, header + "a,\"line 1\nline 2\n\nline 4\"\nb,B\n", 2},
		{"csv quoted CRLF", FormatCSV, header + "a,\"x\r\ny\"\r\nb,B\r\n", 2},
		{"csv escaped quotes", FormatCSV, header + "a,\"say \"\"hi\"\"\nthere\"\nb,B\n", 2},
		{"csv quoted comma", FormatCSV, header + "\"a,b\",\"c\"\nd,e\n", 2},
		{"csv quoted fields, the second with a newline", FormatCSV, header + "\"a\",\"b\nc\"\n", 1},
		{"csv bare quote ends its line", FormatCSV, header + "a\"b,\"c\nd,D\n", 2},
		{"csv text after closing quote ends its line", FormatCSV, header + "\"a\"b,\"c\nd,D\n", 2},
		{"csv unclosed quote at the end is one row", FormatCSV, header + "a,A\nb,\"B\nc,C\n", 2},
		{"csv quoted header newline", FormatCSV, "\"user\nname\",name\na,A\n", 1},
		{"csv records of empty cells skipped", FormatCSV, header + ",\na,A\n\"\",\r\n,,\n,\"\"", 1},
		{"csv empty cells but a lone CR or a quote", FormatCSV, header + ",\r,\n,\"\"\"\"\n,\"", 3},
		{"csv Excel's sep= line", FormatCSV, "sep=;\r\nusername;name\r\na;A\r\n", 1},
		{"jsonl", FormatJSONL, "{\"username\":\"a\"}\n{\"username\":\"b\"}\n", 2},
		{"jsonl blank lines skipped", FormatJSONL, "\n{}\n  \t\r\n{}\n\n", 2},
		{"jsonl no final newline", FormatJSONL, "{}\n{}", 2},
		{"jsonl BOM alone", FormatJSONL, "\uFEFF\n{}\n", 1},
		{"jsonl broken line counts", FormatJSONL, "{\n}\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CountRows(context.Background(), strings.NewReader(tt.input), Options{Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CountRows = %d, want %d", got, tt.want)
			}
			if rows := readChecked(t, []byte(tt.input), tt.format, nil); len(rows) != int(tt.want) && len(rows) > 0 {
				t.Errorf("the reader returns %d rows, the test wants %d", len(rows), tt.want)
			}
		})
	}
}

// A line longer than the counter's buffer is still one row, with its quotes followed.
func TestCountRowsLongLines(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	csvInput := "username,name\na,\"" + long + "\n" + long + "\"\nb," + long + "\n"
	if got, err := CountRows(context.Background(), strings.NewReader(csvInput), Options{Format: FormatCSV}); err != nil || got != 2 {
		t.Errorf("CSV: CountRows = %d, %v; want 2", got, err)
	}
	jsonlInput := "{\"a\":\"" + long + "\"}\n" + strings.Repeat(" ", 100<<10) + "\n{}\n"
	if got, err := CountRows(context.Background(), strings.NewReader(jsonlInput), Options{Format: FormatJSONL}); err != nil || got != 2 {
		t.Errorf("JSONL: CountRows = %d, %v; want 2", got, err)
	}
}

func TestCountRowsStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := CountRows(ctx, strings.NewReader("username\na\n"), Options{Format: FormatCSV})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// FuzzCountRows: the count is the number of rows the reader returns, for any input.
func FuzzCountRows(f *testing.F) {
	for _, s := range []string{"a,A\n", "a,\"x\ny\"\n\nb,B", "a\"b,\"c\nd,D\n", "\"a\"\"b\"\r\nc,\"\r\"\r\n", "{}\n\n {}\n", ",\r\n\"\",\n,\r,\n,\""} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, jsonl bool) {
		format := FormatCSV
		if jsonl {
			format = FormatJSONL
		} else {
			data = append([]byte("username,name\n"), data...)
		}
		got, err := CountRows(context.Background(), bytes.NewReader(data), Options{Format: format})
		if errors.Is(err, ErrInput) && notReadable(data, format) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := len(readChecked(t, data, format, nil)); got != int64(want) {
			t.Errorf("CountRows = %d, the reader returns %d rows; input %q", got, want, data)
		}
	})
}

// BenchmarkCountRows counts 100 000 rows like akbench's (MB/s is the figure), with and
// without a quoted cell on every line.
func BenchmarkCountRows(b *testing.B) {
	for _, quoted := range []bool{false, true} {
		var buf bytes.Buffer
		buf.WriteString("username,name,email,is_active,path,attributes.department\n")
		for i := range 100_000 {
			name := "Bench User " + strings.Repeat("x", i%7)
			if quoted {
				name = `"User, Bench ""` + strings.Repeat("x", i%7) + `"""`
			}
			buf.WriteString("bench.user," + name + ",bench.user@example.com,true,users/bench,Sales\n")
		}
		data := buf.Bytes()
		b.Run(map[bool]string{false: "plain", true: "quoted"}[quoted], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if n, err := CountRows(context.Background(), bytes.NewReader(data), Options{Format: FormatCSV}); err != nil || n != 100_000 {
					b.Fatalf("CountRows = %d, %v", n, err)
				}
			}
		})
	}
}
