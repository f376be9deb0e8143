package mapping

import (
	"fmt"
	"strings"
	"testing"
)

func TestSeen(t *testing.T) {
	in := "username,name,email,is_active\n" +
		"bob,Bob,bob@example.com,\n" + // 2
		"ann,Ann,Bob@Example.com,\n" + // 3: same address, other case
		"bob,Bob 2,bob2@example.com,\n" + // 4: duplicate of line 2
		"cid,Cid,cid@example.com,maybe\n" + // 5: invalid, not remembered
		"cid,Cid,cid@example.com,\n" + // 6: a duplicate of an invalid row
		"Bob,Bob,,\n" + // 7: usernames are case-sensitive: another user
		"bob,Bob,,maybe\n" // 8: invalid and a duplicate
	seen := NewSeen()
	var got []string
	for _, row := range readAll(t, FormatCSV, in, nil) {
		if err := seen.Check(&row); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s|%s", row.Line, row.Errors, strings.Join(row.Warnings, ",")))
		if !row.Valid() && (row.Request != nil || row.Password != "") {
			t.Errorf("line %d: invalid row keeps its request", row.Line)
		}
	}
	want := []string{
		"2 |",
		"3 |duplicate email address: also on line 2",
		"4 username: Duplicate username: same as line 2.|",
		"5 is_active: Must be a valid boolean.|",
		"6 username: Duplicate username: same as line 5.|",
		"7 |",
		"8 is_active: Must be a valid boolean.; username: Duplicate username: same as line 2.|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if seen.Len() != 4 {
		t.Errorf("Len() = %d, want 4", seen.Len())
	}
}

func TestSeenManyUsernames(t *testing.T) {
	seen := NewSeen()
	const n = 50_000
	for i := range n {
		name := fmt.Sprintf("user%d", i)
		row := Row{Line: i + 2, Username: name, Request: newRequest(name, name+"@example.com")}
		if err := seen.Check(&row); err != nil {
			t.Fatal(err)
		}
		if !row.Valid() || len(row.Warnings) > 0 {
			t.Fatalf("line %d: %v %v", row.Line, row.Errors, row.Warnings)
		}
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		name := fmt.Sprintf("user%d", i)
		row := Row{Line: n + 10, Username: name, Request: newRequest(name, "x@example.com")}
		if err := seen.Check(&row); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("username: Duplicate username: same as line %d.", i+2)
		if row.Errors.String() != want {
			t.Errorf("%s: got %q, want %q", name, row.Errors, want)
		}
	}
}
