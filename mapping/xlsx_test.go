package mapping

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestWriteSampleXLSX writes samples/users.xlsx (run with AKIMPORT_WRITE_SAMPLES=1); the file
// is committed, so the sample does not change unless this test is changed and run.
func TestWriteSampleXLSX(t *testing.T) {
	if os.Getenv("AKIMPORT_WRITE_SAMPLES") == "" {
		t.Skip("set AKIMPORT_WRITE_SAMPLES=1 to rewrite samples/users.xlsx")
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Users"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"Username", "Name", "Email", "is_active", "groups", "attributes.employee_id", "last_login"},
		{"kwagner", "Klara Wagner", "klara.wagner@example.com", true, "staff;engineering", 2001, "2024-03-01T09:00:00Z"},
		{"tnguyen", "Thanh Nguyễn", "thanh.nguyen@example.com", false, "sales", 2002},
		{},
		{"ooyelaran", "Ọlá Oyèláran", "ola.oyelaran@example.com", true, "staff", 2003},
		{"pkowalski", "Paweł Kowalski", "pawel.kowalski@example.com", true, "contractors", 2004},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Users", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.NewSheet("Leavers"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Leavers", "A1", &[]any{"username", "name", "is_active"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Leavers", "A2", &[]any{"old.account", "Old Account", false}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs("../samples/users.xlsx"); err != nil {
		t.Fatal(err)
	}
}

func TestSampleXLSX(t *testing.T) {
	data, err := os.ReadFile("../samples/users.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	rows := readChecked(t, data, FormatXLSX, nil)
	var got []string
	for _, r := range rows {
		checkErrors(t, r, nil)
		got = append(got, itoa(r.Line)+" "+mustJSON(t, r.Request)+" "+strings.Join(r.GroupNames, ";"))
	}
	want := []string{
		`2 {"username":"kwagner","name":"Klara Wagner","is_active":true,"last_login":"2024-03-01T09:00:00Z","email":"klara.wagner@example.com","attributes":{"employee_id":"2001"}} staff;engineering`,
		`3 {"username":"tnguyen","name":"Thanh Nguyễn","is_active":false,"email":"thanh.nguyen@example.com","attributes":{"employee_id":"2002"}} sales`,
		`5 {"username":"ooyelaran","name":"Ọlá Oyèláran","is_active":true,"email":"ola.oyelaran@example.com","attributes":{"employee_id":"2003"}} staff`,
		`6 {"username":"pkowalski","name":"Paweł Kowalski","is_active":true,"email":"pawel.kowalski@example.com","attributes":{"employee_id":"2004"}} contractors`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	n, err := CountRows(context.Background(), bytes.NewReader(data), Options{Format: FormatXLSX})
	if err != nil || n != 4 {
		t.Errorf("CountRows = %d, %v; want 4", n, err)
	}

	r, err := NewReader(bytes.NewReader(data), Options{Format: FormatXLSX, Sheet: "leavers"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if row, err := r.Next(); err != nil || row.Username != "old.account" || *row.Request.IsActive {
		t.Errorf("sheet Leavers: %+v, %v", row, err)
	}
	_, err = NewReader(bytes.NewReader(data), Options{Format: FormatXLSX, Sheet: "Staff"})
	if err == nil || !strings.Contains(err.Error(), `the workbook has no sheet "Staff"; its sheets are: Users, Leavers`) {
		t.Errorf("missing sheet: %v", err)
	}
}
