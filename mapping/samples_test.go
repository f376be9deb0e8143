package mapping

import (
	"os"
	"testing"
)

// TestSampleLegacyMapping checks that samples/mapping.yaml imports samples/legacy.csv cleanly.
func TestSampleLegacyMapping(t *testing.T) {
	m, err := LoadMapping("../samples/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../samples/legacy.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, FormatCSV, string(data), m)
	if len(rows) != 12 {
		t.Fatalf("got %d rows, want 12", len(rows))
	}
	seen := NewSeen()
	for _, row := range rows {
		if err := seen.Check(&row); err != nil {
			t.Fatal(err)
		}
		checkErrors(t, row, nil)
		if len(row.Warnings) > 0 {
			t.Errorf("line %d: warnings %v", row.Line, row.Warnings)
		}
	}
	first := rows[0]
	if first.Username != "jdoe" || *first.Request.Email != "john.doe@example.com" || *first.Request.Name != "John Doe" ||
		*first.Request.Path != "users/imported" || *first.Request.Type != "internal" || !*first.Request.IsActive {
		t.Errorf("first row = %+v", first.Request)
	}
	if got := mustJSON(t, first.Request.Attributes); got != `{"department":"Engineering","office":{"city":"Berlin"}}` {
		t.Errorf("attributes = %s", got)
	}
	if got := mustJSON(t, first.GroupNames); got != `["engineering","staff"]` {
		t.Errorf("group names = %s", got)
	}
	if ck := rows[3]; ck.Username != "ckent" || !*ck.Request.IsActive {
		t.Errorf("an empty active cell must take the default: %+v", ck.Request)
	}
	if bond := rows[10]; *bond.Request.Name != "James" {
		t.Errorf("template with an empty column = %q, want %q", *bond.Request.Name, "James")
	}
	if gh := rows[7]; gh.Line != 9 || rows[8].Line != 11 {
		t.Errorf("lines around a quoted newline: %d, %d; want 9, 11", gh.Line, rows[8].Line)
	}
}
