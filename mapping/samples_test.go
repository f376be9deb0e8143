package mapping

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../samples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// requestLines renders each row as "line request groupnames" for comparison.
func requestLines(t *testing.T, rows []Row) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		checkErrors(t, r, nil)
		b.WriteString(itoa(r.Line) + " " + mustJSON(t, r.Request) + " " + strings.Join(r.GroupNames, ";") + "\n")
	}
	return b.String()
}

// TestSampleLegacyMapping: a legacy export with an A/I status, |-separated groups and
// dd.mm.yyyy dates imports through samples/mapping.yaml alone.
func TestSampleLegacyMapping(t *testing.T) {
	m, err := LoadMapping("../samples/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rows := readChecked(t, readSample(t, "legacy.csv"), FormatCSV, m)
	seen := NewSeen()
	for i := range rows {
		if err := seen.Check(&rows[i]); err != nil {
			t.Fatal(err)
		}
		if len(rows[i].Warnings) > 0 {
			t.Errorf("line %d: warnings %v", rows[i].Line, rows[i].Warnings)
		}
	}
	const common = `"path":"users/imported","type":"internal"`
	want := `2 {"username":"jdoe","name":"John Doe","is_active":true,"last_login":"2024-02-03T00:00:00Z","email":"john.doe@example.com","attributes":{"department":"Engineering","office":{"city":"Berlin"},"teams":"engineering, staff"},` + common + `} engineering;staff
3 {"username":"asmith","name":"Alice Smith","is_active":true,"last_login":"2023-11-15T00:00:00Z","email":"alice.smith@example.com","attributes":{"department":"Sales","office":{"city":"Paris"},"teams":"sales, staff"},` + common + `} sales;staff
4 {"username":"bwayne","name":"Bruce Wayne","is_active":true,"email":"bruce.wayne@example.com","attributes":{"department":"Engineering","office":{"city":"Gotham"},"teams":"engineering"},` + common + `} engineering
5 {"username":"ckent","name":"Clark Kent","is_active":true,"last_login":"2024-04-01T00:00:00Z","email":"clark.kent@example.com","attributes":{"department":"Sales","office":{"city":"Metropolis"},"teams":"sales"},` + common + `} sales
6 {"username":"dprince","name":"Diana Prince","is_active":true,"last_login":"2024-02-29T00:00:00Z","email":"diana.prince@example.com","attributes":{"department":"Engineering","office":{"city":"Themyscira"},"teams":"engineering, staff"},` + common + `} engineering;staff
7 {"username":"ehunt","name":"Ethan Hunt","is_active":false,"last_login":"2022-12-31T00:00:00Z","email":"ethan.hunt@example.com","attributes":{"department":"External","office":{"city":"Langley, VA"},"teams":"contractors"},` + common + `} contractors
8 {"username":"fmercury","name":"Freddie Mercury","is_active":true,"email":"freddie@example.com","attributes":{"department":"Sales","office":{"city":"London"},"teams":"sales"},` + common + `} sales
9 {"username":"ghopper","name":"Grace Hopper","is_active":true,"last_login":"2023-12-09T00:00:00Z","email":"grace.hopper@example.com","attributes":{"department":"Engineering","office":{"city":"Arlington"},"teams":"engineering, staff"},` + common + `} engineering;staff
11 {"username":"hgranger","name":"Hermione Granger","is_active":false,"email":"hermione.granger@example.com","attributes":{"department":"Engineering","office":{"city":"London"}},` + common + `} 
12 {"username":"ilovelace","name":"Ada Lovelace","is_active":true,"last_login":"2023-12-10T00:00:00Z","email":"ada@example.com","attributes":{"department":"Engineering","office":{"city":"London"},"teams":"engineering"},` + common + `} engineering
13 {"username":"jbond","name":"James","is_active":true,"last_login":"2007-07-07T00:00:00Z","email":"james.bond@example.com","attributes":{"department":"External","office":{"city":"Remote"},"teams":"contractors"},` + common + `} contractors
14 {"username":"kmccallister","name":"Kevin McCallister","is_active":false,"last_login":"1990-12-22T00:00:00Z","email":"kevin@example.com","attributes":{"department":"Sales","office":{"city":"Chicago"},"teams":"sales"},` + common + `} sales
`
	if got := requestLines(t, rows); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestSampleEuropeanCSV: Excel's CSV in Germany (a UTF-8 BOM, ';', Windows-1252 text, CRLF)
// needs --encoding windows-1252 and nothing else; without it the message says so.
func TestSampleEuropeanCSV(t *testing.T) {
	data := readSample(t, "european.csv")
	_, err := NewReader(bytes.NewReader(data), Options{Format: FormatCSV})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), `reads as "Jörg" in Windows-1252`) || !strings.Contains(err.Error(), "try --encoding windows-1252") {
		t.Errorf("without --encoding: %v", err)
	}
	r, err := NewReader(bytes.NewReader(data), Options{Format: FormatCSV, Encoding: "windows-1252"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []Row
	for row, err := r.Next(); !errors.Is(err, io.EOF); row, err = r.Next() {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	want := `2 {"username":"jmueller","name":"Jörg Müller","is_active":true,"email":"joerg.mueller@example.com","attributes":{"budget":"1.500 €","department":"Entwicklung"}} staff
3 {"username":"sbaecker","name":"Sophie Bäcker","is_active":true,"email":"sophie.baecker@example.com","attributes":{"department":"Entwicklung"}} staff;engineering
4 {"username":"fdupont","name":"François Dupont","is_active":true,"email":"francois.dupont@example.com","attributes":{"budget":"800 €","department":"Vertrieb"}} sales
5 {"username":"ggross","name":"Gábor Groß","is_active":false,"email":"gabor.gross@example.com","attributes":{"department":"Extern"}} contractors
6 {"username":"lsorensen","name":"Lærke Sørensen","is_active":true,"email":"laerke.sorensen@example.com","attributes":{"department":"Finanzen"}} staff
`
	if got := requestLines(t, rows); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	n, err := CountRows(context.Background(), bytes.NewReader(data), Options{Format: FormatCSV, Encoding: "cp1252"})
	if err != nil || n != 5 {
		t.Errorf("CountRows = %d, %v; want 5", n, err)
	}
}
