package mapping

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The docs' hash table (between <!-- hash-formats --> markers, in README.md or docs/*.md)
// names exactly the vectors' sources, and each row says exactly the outcomes its vectors get.
func TestREADMEHashTable(t *testing.T) {
	docs, _ := filepath.Glob("../docs/*.md")
	var rows [][]string
	var found []string
	for _, path := range append([]string{"../README.md"}, docs...) {
		text, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		_, rest, ok := strings.Cut(string(text), "<!-- hash-formats")
		if !ok {
			continue
		}
		found = append(found, path)
		table, _, _ := strings.Cut(rest, "<!-- /hash-formats -->")
		for _, line := range strings.Split(table, "\n")[1:] {
			cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), " | ")
			if len(cells) == 3 && cells[0] != " source" && !strings.HasPrefix(cells[0], " ---") {
				rows = append(rows, cells)
			}
		}
	}
	if len(found) != 1 || len(rows) == 0 {
		t.Fatalf("want one hash table between <!-- hash-formats --> markers, found %v with %d rows", found, len(rows))
	}

	want := map[string][]outcome{}
	note := func(source string, o outcome) {
		if !slices.Contains(want[source], o) {
			want[source] = append(want[source], o)
		}
	}
	for _, v := range goHashVectors() {
		got, _, _, _ := outcomeOf(t, v)
		note(v.source, got)
	}
	for _, m := range pythonMade {
		note(m.source, m.want)
	}
	seen := map[string]bool{}
	for _, cells := range rows {
		source, says := strings.TrimSpace(cells[0]), cells[2]
		seen[source] = true
		outs, ok := want[source]
		if !ok {
			t.Errorf("%s: the table names a source no vector comes from", source)
			continue
		}
		for _, o := range outcomes {
			if strings.Contains(says, string(o)) != slices.Contains(outs, o) {
				t.Errorf("%s: the table says %q; the vectors are %v", source, says, outs)
			}
		}
	}
	for source := range want {
		if !seen[source] {
			t.Errorf("%s: vectors come from it, but the table has no row for it", source)
		}
	}
}
