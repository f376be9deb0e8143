package mapping

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func utf16Bytes(t *testing.T, s string, bom bool) []byte {
	t.Helper()
	policy := unicode.IgnoreBOM
	if bom {
		policy = unicode.UseBOM
	}
	b, err := unicode.UTF16(unicode.LittleEndian, policy).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Each everyday mistake gets a message that says what to do.
func TestInputMistakesSayTheFix(t *testing.T) {
	xlsx := readSample(t, "users.xlsx")
	latin1, _ := charmap.Windows1252.NewEncoder().Bytes([]byte("username,name\njoerg,Jörg\n"))
	tests := []struct {
		name   string
		data   []byte
		opts   Options
		advice string
	}{
		{"xlsx given as CSV", xlsx, Options{Format: FormatCSV}, "read it with --format xlsx"},
		{"xlsx given as JSON Lines", xlsx, Options{Format: FormatJSONL}, "read it with --format xlsx"},
		{"old Excel", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00rest"), Options{Format: FormatCSV}, `save it from Excel as .xlsx without a password, or as "CSV UTF-8"`},
		{"gzip", []byte("\x1F\x8B\x08\x00\x00\x00"), Options{Format: FormatCSV}, "decompress it first"},
		{"binary", append([]byte("ELF"), make([]byte, 300)...), Options{Format: FormatCSV}, "the file is binary (a NUL byte at offset 3)"},
		{"UTF-16 without a BOM", utf16Bytes(t, "username,name\nbob,Bob\n", false), Options{Format: FormatCSV}, "try --encoding utf-16le"},
		{"Windows-1252 text", latin1, Options{Format: FormatCSV}, `line 2 has the byte 0xF6 in "J\xf6rg", which reads as "Jörg" in Windows-1252 (Excel's "CSV"): try --encoding windows-1252`},
		{"Windows-1252 JSON Lines", []byte("{\"username\":\"j\xf6rg\"}\n"), Options{Format: FormatJSONL}, "try --encoding windows-1252"},
		{"a column Email is fine, E-Mail is close", []byte("username,Name,E-Mail\n"), Options{Format: FormatCSV}, `"E-Mail" (did you mean "email"?)`},
		{"';' file read with ','", []byte("username;name;email\nbob;Bob;\n"), Options{Format: FormatCSV, Delimiter: ','}, "the header is one column: give the file's --delimiter"},
		{"not a workbook", []byte("username,name\n"), Options{Format: FormatXLSX}, "not an .xlsx workbook"},
		{"unknown encoding", []byte("username\n"), Options{Format: FormatCSV, Encoding: "klingon"}, `unknown encoding "klingon": use utf-8, utf-16, windows-1252`},
		{"bad delimiter", []byte("username\n"), Options{Format: FormatCSV, Delimiter: '"'}, `--delimiter "\"": want one character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.data), tt.opts)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.advice) {
				t.Fatalf("got %v\nwant an input error containing %q", err, tt.advice)
			}
			if tt.opts.Format != FormatXLSX && !strings.Contains(tt.name, "column") && !strings.Contains(tt.name, "read with") {
				if _, err := CountRows(context.Background(), bytes.NewReader(tt.data), tt.opts); err == nil {
					t.Errorf("CountRows counted an input the reader refuses")
				}
			}
		})
	}
}

// Encodings and delimiters that are read without a word.
func TestInputEncodingsAndDelimiters(t *testing.T) {
	sep := func(d string) string {
		return strings.ReplaceAll("Username§Name§Groups\r\njörg§Jörg Müller§\"staff;it\"\r\nzoe§\"Zoë \"\"Z\"\"\"§\r\n", "§", d)
	}
	text := sep(";")
	cp1252, _ := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	want := "2 jörg Jörg Müller staff;it|3 zoe Zoë \"Z\" "
	tests := []struct {
		name string
		data []byte
		opts Options
	}{
		{"UTF-8", []byte(text), Options{}},
		{"UTF-8 with a BOM", append([]byte("\uFEFF"), text...), Options{}},
		{"Windows-1252", cp1252, Options{Encoding: "windows-1252"}},
		{"latin-1 is read as Windows-1252", cp1252, Options{Encoding: "Latin-1"}},
		{"Windows-1252 after a UTF-8 BOM", append([]byte("\uFEFF"), cp1252...), Options{Encoding: "cp1252"}},
		{"UTF-16 with a BOM, detected", utf16Bytes(t, text, true), Options{}},
		{"UTF-16LE without a BOM, given", utf16Bytes(t, text, false), Options{Encoding: "utf-16le"}},
		{"tab-separated", []byte(sep("\t")), Options{}},
		{"given delimiter", []byte(sep("|")), Options{Delimiter: '|'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Format = FormatCSV
			r, err := NewReader(bytes.NewReader(tt.data), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got []string
			for {
				row, err := r.Next()
				if err != nil {
					break
				}
				checkErrors(t, row, nil)
				got = append(got, itoa(row.Line)+" "+row.Username+" "+*row.Request.Name+" "+strings.Join(row.GroupNames, ";"))
			}
			if strings.Join(got, "|") != want {
				t.Errorf("got  %q\nwant %q", strings.Join(got, "|"), want)
			}
			if n, err := CountRows(context.Background(), bytes.NewReader(tt.data), tt.opts); err != nil || n != 2 {
				t.Errorf("CountRows = %d, %v; want 2", n, err)
			}
		})
	}
}

func TestParseDelimiterAndEncoding(t *testing.T) {
	for in, want := range map[string]rune{",": ',', ";": ';', "tab": '\t', "\t": '\t', `\t`: '\t', "|": '|'} {
		if got, err := ParseDelimiter(in); err != nil || got != want {
			t.Errorf("ParseDelimiter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ";;", "a", "\"", "\n", "é"} {
		if _, err := ParseDelimiter(bad); !errors.Is(err, ErrInput) {
			t.Errorf("ParseDelimiter(%q): %v, want an input error", bad, err)
		}
	}
	for in, want := range map[string]string{"": "utf-8", "UTF8": "utf-8", "utf-16": "utf-16", "UTF-16LE": "utf-16le", "utf16be": "utf-16be",
		"latin-1": "windows-1252", "ISO-8859-1": "windows-1252", "cp1252": "windows-1252", "Windows-1252": "windows-1252",
		"iso-8859-15": "iso-8859-15", "cp1250": "windows-1250", "cp850": "ibm-code-page-850", "macintosh": "macintosh"} {
		if got, err := ParseEncoding(in); err != nil || got != want {
			t.Errorf("ParseEncoding(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseEncoding("ebcdic-klingon"); !errors.Is(err, ErrInput) {
		t.Errorf("unknown encoding: %v", err)
	}
}

func TestDetectDelimiter(t *testing.T) {
	for in, want := range map[string]rune{
		"username,name\n":           ',',
		"username;name;email\n":     ';',
		"username\tname\n":          '\t',
		"username\n":                ',',
		"\"a;b\",c\n":               ',',
		"a;b\nc,d,e,f,g\n":          ';',
		"a,b;c;d\n":                 ';',
		"\"user\nname\";x;y\na,b\n": ';',
	} {
		if got := detectDelimiter([]byte(in)); got != want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

// The header is matched case-insensitively, ignoring surrounding spaces; attribute keys keep their case.
func TestColumnNamesFold(t *testing.T) {
	row := readOne(t, FormatCSV, " USERNAME , Name ,EMail,Attributes.Department\nbob,Bob,bob@example.com,R&D\n", nil)
	checkErrors(t, row, nil)
	if got := mustJSON(t, row.Request); got != `{"username":"bob","name":"Bob","email":"bob@example.com","attributes":{"Department":"R\u0026D"}}` {
		t.Errorf("request %s", got)
	}
	m := mustMapping(t, "columns: {Login: username}\ntemplates: {name: '{{ FIRST }}'}\ntransforms: {LOGIN: [lower]}")
	row = readOne(t, FormatCSV, "login,First\nBOB,Bob\n", m)
	checkErrors(t, row, nil)
	if got := mustJSON(t, row.Request); got != `{"username":"bob","name":"Bob"}` {
		t.Errorf("mapped request %s", got)
	}
}

func TestSampleFilesOpen(t *testing.T) {
	for _, name := range []string{"users.csv", "users.jsonl", "invalid.csv", "hr-day1.csv", "hr-day2.csv", "hashes.csv", "onboarding.csv"} {
		data, err := os.ReadFile("../samples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		format, err := FormatFromPath(name)
		if err != nil {
			t.Fatal(err)
		}
		if rows := readChecked(t, data, format, nil); len(rows) == 0 {
			t.Errorf("%s: no rows", name)
		}
	}
}

// textWatch turns dirty exactly when the text holds invalid UTF-8 or a NUL, however the reads
// cut it: a character split between two reads is not a fault, a cut one at the end is.
func TestTextWatch(t *testing.T) {
	inputs := []string{"", "plain", "Zoë Jörg €uro 𝄞 ok", "bad\xff", "\xe2\x82", "end \xe2\x82", "\xe2\x82 mid", "nul\x00", "𝄞", "a\xf0\x9d\x84", "\xc3\xa9\xc3"}
	for _, in := range inputs {
		want := !utf8.ValidString(in) || strings.IndexByte(in, 0) >= 0
		for _, chunk := range []int{1, 2, 3, 5, 64} {
			w := &textWatch{r: iotest.HalfReader(&chunkReader{s: in, n: chunk})}
			if _, err := io.ReadAll(w); err != nil {
				t.Fatal(err)
			}
			if w.dirty != want {
				t.Errorf("%q read %d bytes at a time: dirty %v, want %v", in, chunk, w.dirty, want)
			}
		}
	}
}

type chunkReader struct {
	s string
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[n:]
	return n, nil
}

// A bad cell far past the first 64 KiB is still found.
func TestBadCellAfterTheHead(t *testing.T) {
	in := "username,name\nzoe,Zoë\n" + strings.Repeat("a,A\n", 40_000) + "b,B\xff\nc,C\x00\nd,D\n"
	rows := readAll(t, FormatCSV, in, nil)
	var bad []string
	for _, r := range rows {
		if !r.Valid() {
			bad = append(bad, itoa(r.Line)+" "+r.Errors.String())
		}
	}
	if want := []string{"40003 row: invalid UTF-8 in column name" + encodingHint, "40004 row: a NUL byte in column name"}; strings.Join(bad, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", bad, want)
	}
}

func TestBadJSONLineAfterTheHead(t *testing.T) {
	in := `{"username":"zoe","name":"Zoë"}` + "\n" + strings.Repeat(`{"username":"a","name":"A"}`+"\n", 3000) + "{\"username\":\"b\",\"name\":\"B\xff\"}\n"
	rows := readAll(t, FormatJSONL, in, nil)
	if last := rows[len(rows)-1]; last.Line != 3002 || !strings.Contains(last.Errors.String(), "invalid UTF-8 on this line") {
		t.Errorf("last row: %d %s", last.Line, last.Errors)
	}
}
