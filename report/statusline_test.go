package report

import (
	"bytes"
	"testing"
)

func TestStatusLine(t *testing.T) {
	const cl = clearLine
	type op struct {
		show  string // Show this
		write string // else Write this
		clear bool   // else Clear
	}
	tests := []struct {
		name  string
		width int
		ops   []op
		want  string
	}{
		{
			name: "a log line goes above the status, which is redrawn",
			ops:  []op{{show: "bar 1"}, {write: "WARN row 7\n"}, {show: "bar 2"}},
			want: cl + "bar 1" + cl + "WARN row 7\n" + cl + "bar 1" + cl + "bar 2",
		},
		{
			name: "no status: writes pass through",
			ops:  []op{{write: "a\n"}, {write: "b\n"}},
			want: "a\nb\n",
		},
		{
			name: "a half-written line keeps the status off until it ends",
			ops:  []op{{show: "bar"}, {write: "summary: "}, {show: "bar 2"}, {write: "done\n"}},
			want: cl + "bar" + cl + "summary: " + "done\n" + cl + "bar 2",
		},
		{
			name: "clear takes the status away for good",
			ops:  []op{{show: "bar"}, {clear: true}, {write: "summary\n"}},
			want: cl + "bar" + cl + "summary\n",
		},
		{
			name:  "a status wider than the terminal is cut, so it never wraps",
			width: 8,
			ops:   []op{{show: "[==>  ] 1 234 rows"}, {show: "ü123456789"}},
			want:  cl + "[==>  ]" + cl + "ü123456",
		},
		{
			name:  "a status as wide as the terminal is cut too; one column less fits",
			width: 8,
			ops:   []op{{show: "12345678"}, {show: "1234567"}},
			want:  cl + "1234567" + cl + "1234567",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			var width func() int
			if tt.width > 0 {
				width = func() int { return tt.width }
			}
			s := NewStatusLine(&out, width)
			for _, o := range tt.ops {
				switch {
				case o.show != "":
					s.Show(o.show)
				case o.write != "":
					if n, err := s.Write([]byte(o.write)); n != len(o.write) || err != nil {
						t.Fatalf("Write = %d, %v", n, err)
					}
				case o.clear:
					s.Clear()
				}
			}
			if got := out.String(); got != tt.want {
				t.Errorf("wrote\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
