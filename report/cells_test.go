package report

import "testing"

func TestNeutralise(t *testing.T) {
	tests := []struct {
		name, cell, want string
	}{
		{"empty", "", ""},
		{"plain", "alice", "alice"},
		{"equals", "=1+1", "'=1+1"},
		{"plus", "+1", "'+1"},
		{"minus", "-1", "'-1"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\tx", "'\tx"},
		{"carriage return", "\rx", "'\rx"},
		{"already quoted", "'x", "''x"},
		{"sign later", "a=b", "a=b"},
		{"leading space", " =1", " =1"},
		{"newline", "\nx", "\nx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := neutralise(tt.cell)
			if got != tt.want {
				t.Errorf("neutralise(%q) = %q, want %q", tt.cell, got, tt.want)
			}
			if back := unneutralise(got); back != tt.cell {
				t.Errorf("unneutralise(%q) = %q, want %q", got, back, tt.cell)
			}
		})
	}
}

func TestCSVNeutralisesTextCellsOnly(t *testing.T) {
	r := Result{Line: 2, Username: "=u", Status: StatusInvalid, UUID: "-id", Error: "+e", Warnings: []string{"@w", "=x"}, Input: "-input", Action: "-a"}
	w := newCSVWriter(nil, nil)
	got := w.fill(r)
	want := []string{"2", "'=u", "invalid", "", "", "'-id", "0", "'+e", "'@w; =x", "-input", "'-a"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %s = %q, want %q", csvHeader[i], got[i], want[i])
		}
	}
}
