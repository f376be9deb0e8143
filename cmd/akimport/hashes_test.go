package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/internal/djangotest"
	"github.com/akimport/akimport/report"
)

// samples/hashes.csv mixes the password hash formats (each user's password is
// "<username>-password"). Imported into authentik 2026.5, every created user's stored hash
// must verify in Django's own check_password (F-H2) with that password and no other; every
// refused row must say why; no hash, salt or digest may reach the report or the logs.
func TestSampleHashesVerifyInDjango(t *testing.T) {
	djangotest.Require(t)
	s := startSim(t, authentiktest.Options{Version: "2026.5.0"}, nil)
	reportPath := filepath.Join(t.TempDir(), "report.csv")
	code, stderr := runAkimport(t, s.srv.URL, "import", "--progress", "never", "--report", reportPath, "../../samples/hashes.csv")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some rows invalid); stderr:\n%s", code, stderr)
	}
	rows := readReportFile(t, reportPath)
	cells := sampleHashCells(t)

	var checks []djangotest.Check
	var created []string
	for _, r := range rows {
		switch r.Status {
		case report.StatusCreated:
			hash := s.sim.PasswordHashOf(r.Username)
			if hash == "" {
				t.Errorf("%s: created without a password hash", r.Username)
				continue
			}
			created = append(created, r.Username)
			checks = append(checks, djangotest.Check{Hash: hash, Password: r.Username + "-password"}, djangotest.Check{Hash: hash, Password: r.Username + "-wrong"})
		case report.StatusInvalid:
			if !strings.HasPrefix(r.Error, "password_hash: ") || len(r.Error) < 40 {
				t.Errorf("%s: refused without a reason: %q", r.Username, r.Error)
			}
		default:
			t.Errorf("%s: %s %s", r.Username, r.Status, r.Error)
		}
	}
	verdicts := djangotest.Verify(t, checks)
	for i, u := range created {
		right, wrong := verdicts[2*i], verdicts[2*i+1]
		t.Logf("%-4s created; Django: right password %s, wrong %s", u, right, wrong)
		if !right.OK || wrong.OK {
			t.Errorf("%s: Django says %s with the password, %s with a wrong one", u, right, wrong)
		}
	}
	if len(created) != 9 || len(rows) != 16 {
		t.Errorf("%d rows, %d created; want 16 and 9", len(rows), len(created))
	}

	out, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	for user, cell := range cells {
		for _, piece := range secretPieces(cell) {
			if strings.Contains(string(out), piece) || strings.Contains(stderr, piece) {
				t.Errorf("%s: the report or the log quotes %q from the password_hash cell", user, piece)
			}
		}
	}
	for _, r := range rows {
		if r.Username == "hal" && !strings.Contains(strings.Join(r.Warnings, " "), "rewritten as Django writes it") {
			t.Errorf("hal's padded argon2 hash was rewritten without a warning: %q", r.Warnings)
		}
	}
}

// sampleHashCells reads samples/hashes.csv's password_hash cells by username.
func sampleHashCells(t *testing.T) map[string]string {
	f, err := os.Open("../../samples/hashes.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string]string{}
	for _, rec := range records[1:] {
		cells[rec[0]] = rec[4]
	}
	return cells
}

// secretPieces are the parts of a hash cell no output may quote: the cell, and its runs of
// 8 or more characters between separators (salts, digests, a plaintext password), but not
// names any message may use.
func secretPieces(cell string) []string {
	pieces := []string{cell}
	for _, p := range strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune(`$,:{}"=\ `, r) }) {
		if len(p) >= 8 && !strings.Contains("argon2id pbkdf2_sha256 pbkdf2-sha256 bcrypt_sha256 secretData credentialData hashIterations additionalParameters parallelism hashLength createdDate userLabel password", p) {
			pieces = append(pieces, p)
		}
	}
	return pieces
}
