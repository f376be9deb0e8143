package importer_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// wideCSV has 10 000 attributes.cN columns (legal column names) and one row.
func wideCSV() string {
	header := []string{"username", "name"}
	row := []string{"wide1", "Wide"}
	for i := range 10000 {
		header = append(header, "attributes.c"+strconv.Itoa(i))
		row = append(row, "v"+strconv.Itoa(i))
	}
	return strings.Join(header, ",") + "\n" + strings.Join(row, ",") + "\n"
}

// Hostile input never panics, every data row is reported exactly once, and a refused row
// says which line and field and why. want maps each input line a row starts on to
// "created" or "invalid: <words the error must contain>".
func TestHostileInput(t *testing.T) {
	const created = "created"
	tests := []struct {
		name     string
		file     string
		content  string
		wantCode int
		want     map[int]string
		check    func(t *testing.T, sim *authentiktest.Server)
	}{
		{name: "formula cells", file: "f.csv",
			content: "username,name,email\n=cmd,\"=HYPERLINK(\"\"http://x\"\")\",f1@example.com\n+1,+1,f2@example.com\n-1,-1,f3@example.com\n@x,@x,f4@example.com\n",
			want:    map[int]string{2: created, 3: created, 4: created, 5: created}},
		{name: "byte order mark and CRLF", file: "b.csv", content: "\ufeffusername,name\r\nb1,B 1\r\nb2,B 2\r\n",
			want: map[int]string{2: created, 3: created}},
		{name: "quoted newlines and quotes", file: "q.csv", content: "username,name,attributes.note\nq1,\"Q \"\"1\"\"\",\"Line one\nline \"\"two\"\"\"\nq2,\"Line one\nline two\",\nq3,Q3,\n",
			wantCode: 1, want: map[int]string{2: created, 4: "invalid: a quote is probably unbalanced", 6: created}},
		{name: "a bare quote", file: "bq.csv", content: "username,name\nbq1,a\"b\nbq2,ok\n",
			wantCode: 1, want: map[int]string{2: "invalid: line 2, column 6", 3: created}},
		{name: "an unterminated quote swallows the rest", file: "u.csv", content: "username,name\nu1,ok\nu2,\"never closed\nu3,x\n",
			wantCode: 1, want: map[int]string{2: created, 3: "invalid: quoted-field"}},
		{name: "a 1 MiB cell", file: "big.csv", content: "username,name\nbig1," + strings.Repeat("a", 1<<20) + "\nbig2,ok\n",
			want: map[int]string{2: created, 3: created},
			check: func(t *testing.T, sim *authentiktest.Server) {
				if u, _ := sim.UserByUsername("big1"); len(u.Name) != 1<<20 {
					t.Errorf("big1's name has %d bytes, want 1 MiB", len(u.Name))
				}
			}},
		{name: "invalid UTF-8", file: "utf8.csv", content: "username,name\nbad\xff,X\nok1,n\xffame\nok2,Zoë\n",
			wantCode: 1, want: map[int]string{2: "invalid: invalid UTF-8 in column username", 3: "invalid: invalid UTF-8 in column name", 4: created}},
		{name: "NUL bytes", file: "nul.csv", content: "username,name\nn\x00ul,X\nnul2,na\x00me\nnul3,fine\n",
			wantCode: 1, want: map[int]string{2: "invalid: NUL byte in column username", 3: "invalid: NUL byte in column name", 4: created}},
		{name: "wrong number of fields", file: "n.csv", content: "username,name\nf1\nf2,a,b\nf3,ok\n",
			wantCode: 1, want: map[int]string{2: "invalid: got 1, the header has 2", 3: "invalid: got 3, the header has 2", 4: created}},
		{name: "10 000 columns", file: "wide.csv", content: wideCSV(), want: map[int]string{2: created},
			check: func(t *testing.T, sim *authentiktest.Server) {
				u, _ := sim.UserByUsername("wide1")
				if len(u.Attributes) != 10000 || u.Attributes["c9999"] != "v9999" {
					t.Errorf("wide1 has %d attributes (c9999=%v), want 10 000", len(u.Attributes), u.Attributes["c9999"])
				}
			}},
		{name: "a header only", file: "h.csv", content: "username,name\n", want: map[int]string{}},
		{name: "an empty file", file: "e.csv", content: "", wantCode: importer.ExitUsage},
		{name: "an empty JSONL file", file: "e.jsonl", content: "", wantCode: importer.ExitUsage},
		{name: "a JSONL file of blank lines", file: "blank.jsonl", content: "\n\r\n  \n", want: map[int]string{}},
		{name: "JSON lines that are no objects, broken JSON, NUL, invalid UTF-8", file: "l.jsonl",
			content:  "[1,2]\n42\n{\"username\": \"j1\"\n{\"username\":\"j2\",\"name\":\"J2\"}\n\"str\"\nnull\n\n{}\n{\"username\":\"j3\",\"name\":\"J\\u0000\"}\n{\"username\":\"j4\",\"name\":\"\xff\"}\n{\"username\":\"j5\",\"name\":\"Zoë\"}\n",
			wantCode: 1, want: map[int]string{1: "invalid: got an array", 2: "invalid: got a number", 3: "invalid: invalid JSON", 4: created,
				5: "invalid: got a string", 6: "invalid: got null", 8: "invalid: username: This field is required.", 9: "invalid: NUL", 10: "invalid: invalid UTF-8", 11: created}},
		{name: "JSONL with a byte order mark, CRLF and a 1 MiB value", file: "b.jsonl",
			content: "\ufeff{\"username\":\"jb1\",\"name\":\"x\"}\r\n{\"username\":\"jb2\",\"name\":\"" + strings.Repeat("y", 1<<20) + "\"}\r\n",
			want:    map[int]string{1: created, 2: created}},
		{name: "a duplicate username names the first line", file: "d.csv", content: "username,name\nd1,a\nd1,b\n",
			wantCode: 1, want: map[int]string{2: created, 3: "invalid: same as line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{})
			cfg := h.config(h.write(tt.file, tt.content))
			_, err := importer.Run(context.Background(), cfg)
			if code := importer.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", code, err, tt.wantCode)
			}
			if tt.wantCode == importer.ExitUsage {
				if !strings.Contains(err.Error(), tt.file) {
					t.Errorf("the error %q does not name the file", err)
				}
				return
			}
			seen := map[int]bool{}
			for _, r := range readReport(t, cfg.ReportPath) {
				want, ok := tt.want[r.Line]
				switch {
				case !ok:
					t.Errorf("line %d reported, but no row starts there: %+v", r.Line, r)
				case seen[r.Line]:
					t.Errorf("line %d reported twice", r.Line)
				case want == created && r.Status != report.StatusCreated:
					t.Errorf("line %d: %s %q, want created", r.Line, r.Status, r.Error)
				case want != created && (r.Status != report.StatusInvalid || !strings.Contains(r.Error, strings.TrimPrefix(want, "invalid: "))):
					t.Errorf("line %d: %s %q, want %s", r.Line, r.Status, r.Error, want)
				}
				seen[r.Line] = true
			}
			if len(seen) != len(tt.want) {
				t.Errorf("%d lines reported, want %d", len(seen), len(tt.want))
			}
			if tt.check != nil {
				tt.check(t, h.sim)
			}
		})
	}
}

// Formula cells come out of the CSV report neutralised (a spreadsheet shows them as text),
// and report.Read gives the original values back.
func TestFormulaCellsInTheReport(t *testing.T) {
	usernames := []string{"=cmd", "+1", "-1", "@x"}
	var in strings.Builder
	in.WriteString("username,name\n")
	for _, u := range usernames {
		in.WriteString(u + "," + u + "\n")
	}
	for _, name := range []string{"report.csv", "report.jsonl"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{})
			cfg := h.config(h.write("f.csv", in.String()))
			cfg.ReportPath = h.dir + "/" + name
			if _, err := importer.Run(context.Background(), cfg); err != nil {
				t.Fatalf("Run: %v", err)
			}
			raw, err := os.ReadFile(cfg.ReportPath)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(name, ".csv") {
				for _, line := range bytes.Split(raw, []byte("\n")) {
					for _, u := range usernames {
						if bytes.Contains(line, []byte(","+u+",")) {
							t.Errorf("a report cell starts with %q: %s", u[:1], line)
						}
					}
				}
			}
			got := map[string]bool{}
			for _, r := range readReport(t, cfg.ReportPath) {
				got[r.Username] = r.Status == report.StatusCreated
			}
			for _, u := range usernames {
				if !got[u] {
					t.Errorf("%q does not come back from the report as created; got %v", u, got)
				}
				if _, ok := h.sim.UserByUsername(u); !ok {
					t.Errorf("%q was not created as it is", u)
				}
			}
		})
	}
}
