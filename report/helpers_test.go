package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s (run with -update to create it): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if intended)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// sampleResults is a fixed set of rows covering every status and the awkward cells.
func sampleResults() []Result {
	return []Result{
		{Line: 2, Username: "alice", Status: StatusCreated, HTTPStatus: 201, PK: 17, UUID: "3f2a8c1e-0000-4000-8000-000000000001", Attempts: 1, Input: "sha256:ab12", Onboarding: OnboardingSent},
		{Line: 3, Username: "bob", Status: StatusUpdated, HTTPStatus: 200, PK: 18, Attempts: 1, Action: "update: name, email", Warnings: []string{"email is used by line 2"}, Input: "sha256:ab12"},
		{Line: 4, Username: "carol", Status: StatusUnchanged, PK: 19, Attempts: 1, Input: "sha256:ab12"},
		{Line: 0, Username: "leaver", Status: StatusDeactivated, HTTPStatus: 200, PK: 5, Attempts: 1, Input: "sha256:ab12"},
		{Line: 5, Username: "dave", Status: StatusExists, HTTPStatus: 400, Attempts: 1, Input: "sha256:ab12"},
		{Line: 6, Username: "erin", Status: StatusExists, HTTPStatus: 400, Attempts: 1, Error: "username: This field must be unique.", Input: "sha256:ab12"},
		{Line: 7, Username: "frank", Status: StatusPlanned, Action: "create", Input: "sha256:ab12"},
		{Line: 8, Username: "=HYPERLINK(\"http://x\")", Status: StatusInvalid, Error: "email: Enter a valid email address.; username: This field may not be blank.", Warnings: []string{"-odd", "two"}, Input: "sha256:ab12"},
		{Line: 9, Username: "'quoted", Status: StatusRejected, HTTPStatus: 400, Attempts: 1, Error: "name: Ensure this field has no more than 150 characters.", Input: "sha256:ab12"},
		{Line: 10, Username: "grace, \"the\" admin\nsecond line", Status: StatusFailed, HTTPStatus: 503, Attempts: 6, Error: "+503 Service Unavailable <html> & more", Input: "sha256:ab12"},
		{Line: 11, Username: "héloïse", Status: StatusFailed, Attempts: 3, Error: "@timeout", Input: "sha256:ab12"},
	}
}

// writeAll writes results with w and closes it.
func writeAll(t *testing.T, w Writer, results []Result) {
	t.Helper()
	for _, r := range results {
		if err := w.Write(r); err != nil {
			t.Fatalf("Write(line %d): %v", r.Line, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// readAll reads every row of data.
func readAll(t *testing.T, data []byte) ([]Result, error) {
	t.Helper()
	var got []Result
	err := Read(bytes.NewReader(data), func(r Result) error {
		got = append(got, r)
		return nil
	})
	return got, err
}
