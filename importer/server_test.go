package importer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

const onboardingStage = "55555555-5555-4555-8555-555555555555"

func migrationHarness(t *testing.T, version string) *harness {
	t.Helper()
	return newHarness(t, authentiktest.Options{Version: version,
		EmailStages: []authentiktest.EmailStage{{PK: onboardingStage, Name: "onboarding"}}})
}

// hashFile is the acceptance file: an argon2id PHC hash, a Django pbkdf2 hash, a raw bcrypt
// hash, and a row with both password and password_hash.
func hashFile() (content string, secrets []string) {
	argon := authentiktest.MakeArgon2idPHC("argon-pw-1", "saltsaltsalt", 1024, 1, 1)
	pbkdf2 := authentiktest.MakePBKDF2SHA256("pbkdf2-pw-2", "pepper12", 1000)
	bcrypt := authentiktest.MakeBcrypt("bcrypt-pw-3", 4)
	content = "username,name,email,password,password_hash\n" +
		`ann,Ann,ann@example.com,,"` + argon + "\"\n" +
		"bob,Bob,bob@example.com,," + pbkdf2 + "\n" +
		"cyd,Cyd,cyd@example.com,," + bcrypt + "\n" +
		"dee,Dee,dee@example.com,plain-pw-4," + pbkdf2 + "\n"
	return content, []string{argon, pbkdf2, bcrypt, "plain-pw-4", "pepper12", "saltsaltsalt"}
}

// F-H1: against 2026.5 the PHC argon2id and Django pbkdf2 rows are created and their
// passwords verify in the simulator; raw bcrypt and both-columns rows are invalid with
// their reasons; no hash reaches the report or the logs.
func TestImportPasswordHashes(t *testing.T) {
	h := migrationHarness(t, "2026.5.0")
	content, secrets := hashFile()
	cfg := h.config(h.write("users.csv", content))
	_, err := importer.Run(context.Background(), cfg)
	if !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("Run: %v, want some rows failed", err)
	}
	rows := readReport(t, cfg.ReportPath)
	want := map[string]string{"ann": "created", "bob": "created", "cyd": "invalid", "dee": "invalid"}
	for _, r := range rows {
		if string(r.Status) != want[r.Username] {
			t.Errorf("%s: %s %q, want %s", r.Username, r.Status, r.Error, want[r.Username])
		}
	}
	if e := rowOf(rows, "cyd").Error; !strings.Contains(e, "raw bcrypt") || !strings.Contains(e, "recovery e-mail") {
		t.Errorf("cyd's error %q does not say why", e)
	}
	if e := rowOf(rows, "dee").Error; !strings.Contains(e, "not both") {
		t.Errorf("dee's error %q does not say why", e)
	}
	for user, pw := range map[string]string{"ann": "argon-pw-1", "bob": "pbkdf2-pw-2"} {
		if !h.sim.CheckPassword(user, pw) {
			t.Errorf("%s: the password does not verify against the imported hash", user)
		}
		if h.sim.CheckPassword(user, pw+"x") {
			t.Errorf("%s: a wrong password verifies", user)
		}
	}
	if _, ok := h.sim.UserByUsername("cyd"); ok {
		t.Error("cyd was created")
	}
	reportText, _ := os.ReadFile(cfg.ReportPath)
	for _, s := range secrets {
		if strings.Contains(string(reportText), s) || strings.Contains(h.log.String(), s) {
			t.Errorf("a secret (%.12s…) is in the report or the logs", s)
		}
	}
}

func rowOf(rows []report.Result, username string) report.Result {
	for _, r := range rows {
		if r.Username == username {
			return r
		}
	}
	return report.Result{}
}

// F-H1, F-V1: against 2025.10.4 the same file stops before any write, exit 2, naming the
// version needed.
func TestImportPasswordHashesOldAuthentik(t *testing.T) {
	h := migrationHarness(t, "2025.10.4")
	content, secrets := hashFile()
	cfg := h.config(h.write("users.csv", content))
	_, err := importer.Run(context.Background(), cfg)
	if importer.ExitCode(err) != 2 || !strings.Contains(err.Error(), "2026.5") || !strings.Contains(err.Error(), "2025.10.4") {
		t.Fatalf("Run: %v (exit %d), want exit 2 naming 2026.5 and 2025.10.4", err, importer.ExitCode(err))
	}
	if st := h.sim.Stats(); writesOf(st) != 0 || st.Users != 0 {
		t.Errorf("%d writes, %d users; want none", writesOf(st), st.Users)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("the error quotes a secret")
		}
	}
}

// F-R1: 20 rows, 2 without an address: 18 e-mails in the form of the server's version,
// 2 onboarding errors, all 20 created, exit 1.
func TestSendRecoveryEmails(t *testing.T) {
	for _, version := range []string{"2025.10.4", "2026.5.0"} {
		t.Run(version, func(t *testing.T) {
			h := migrationHarness(t, version)
			var b strings.Builder
			b.WriteString("username,name,email\n")
			for i := 1; i <= 20; i++ {
				email := fmt.Sprintf("u%d@example.com", i)
				if i == 7 || i == 13 {
					email = ""
				}
				fmt.Fprintf(&b, "u%02d,User %d,%s\n", i, i, email)
			}
			cfg := h.config(h.write("users.csv", b.String()))
			cfg.SendRecoveryEmail = "onboarding" // by name, looked up once
			sum, err := importer.Run(context.Background(), cfg)
			if importer.ExitCode(err) != 1 {
				t.Fatalf("Run: %v, want exit 1", err)
			}
			if e := sum.RecoveryEmails; e == nil || e.Sent != 18 || e.NotSent != 2 {
				t.Errorf("summary's recovery e-mails %+v, want 18 sent and 2 not sent", e)
			}
			sent := h.sim.RecoveryEmails()
			wantForm := map[string]string{"2025.10.4": "query", "2026.5.0": "body"}[version]
			if len(sent) != 18 {
				t.Errorf("%d e-mails sent, want 18", len(sent))
			}
			for _, m := range sent {
				if m.Form != wantForm || m.Stage != "onboarding" {
					t.Errorf("e-mail %+v: want form %s through onboarding", m, wantForm)
				}
			}
			rows := readReport(t, cfg.ReportPath)
			onboarding := map[string]int{}
			for _, r := range rows {
				if r.Status != report.StatusCreated {
					t.Errorf("%s: %s, want created", r.Username, r.Status)
				}
				onboarding[r.Onboarding]++
			}
			if onboarding["sent"] != 18 || onboarding["User does not have an email address set."] != 2 {
				t.Errorf("onboarding cells %v", onboarding)
			}
		})
	}
}

// F-R1: --resume sends the e-mails a run could not send, without touching the users.
func TestResumeSendsMissingEmails(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Version: "2026.5.0", NoRecoveryFlow: true,
		EmailStages: []authentiktest.EmailStage{{PK: onboardingStage, Name: "onboarding"}}})
	cfg := h.config(h.write("users.csv", "username,name,email\na,A,a@example.com\nb,B,b@example.com\n"))
	cfg.SendRecoveryEmail = onboardingStage
	if _, err := importer.Run(context.Background(), cfg); importer.ExitCode(err) != 1 {
		t.Fatalf("first run: %v, want exit 1", err)
	}
	for _, r := range readReport(t, cfg.ReportPath) {
		if r.Status != report.StatusCreated || r.Onboarding != "No recovery flow set." {
			t.Fatalf("first run: %+v", r)
		}
	}
	// The admin fixes authentik: here, a simulator with the flow and the same users.
	fixed := authentiktest.MustNew(authentiktest.Options{Token: testToken, Version: "2026.5.0", Groups: sampleGroups(t),
		EmailStages: []authentiktest.EmailStage{{PK: onboardingStage, Name: "onboarding"}}, Users: seedFrom(h.sim)})
	h.srv.Config.Handler = fixed
	before := fixed.Stats()
	cfg.ResumeFrom = cfg.ReportPath
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if n := len(fixed.RecoveryEmails()); n != 2 {
		t.Errorf("%d e-mails, want 2", n)
	}
	after := fixed.Stats()
	if c := after.Requests[authentiktest.RouteCreateUser] - before.Requests[authentiktest.RouteCreateUser]; c != 0 {
		t.Errorf("%d creates on resume, want 0", c)
	}
	for _, r := range readReport(t, cfg.ReportPath) {
		if r.Status != report.StatusCreated || r.Onboarding != "sent" {
			t.Errorf("after resume: %+v", r)
		}
	}
}

// seedFrom copies a simulator's users (pk and uuid kept) to seed another.
func seedFrom(s *authentiktest.Server) []authentiktest.SeedUser {
	var users []authentiktest.SeedUser
	for _, u := range s.Users() {
		u.GroupsObj = nil
		users = append(users, authentiktest.SeedUser{User: u})
	}
	return users
}

// F-H1: a hash that could not be set leaves the row failed with "created, password hash
// not set"; --resume sets it without a second create.
func TestResumeSetsMissingHash(t *testing.T) {
	h := migrationHarness(t, "2026.5.0")
	pbkdf2 := authentiktest.MakePBKDF2SHA256("pw-5", "pepper12", 1000)
	cfg := h.config(h.write("users.csv", "username,name,password_hash\neve,Eve,"+pbkdf2+"\n"))
	if err := h.sim.SetFaults(authentiktest.Faults{ServiceUnavailable: 1, Routes: []string{authentiktest.RouteSetPasswordHash}}); err != nil {
		t.Fatal(err)
	}
	cfg.Retries = 1
	if _, err := importer.Run(context.Background(), cfg); importer.ExitCode(err) != 1 {
		t.Fatalf("first run: %v, want exit 1", err)
	}
	first := readReport(t, cfg.ReportPath)
	if len(first) != 1 || first[0].Status != report.StatusFailed || !strings.HasPrefix(first[0].Error, "created, password hash not set") || first[0].PK == 0 {
		t.Fatalf("first run: %+v", first)
	}
	if strings.Contains(first[0].Error, pbkdf2) {
		t.Error("the error quotes the hash")
	}
	// A resume that cannot even read the user writes the earlier row again, so the next
	// resume still finishes it.
	if err := h.sim.SetFaults(authentiktest.Faults{ServiceUnavailable: 1, Routes: []string{authentiktest.RouteGetUser}}); err != nil {
		t.Fatal(err)
	}
	cfg.ResumeFrom = cfg.ReportPath
	if _, err := importer.Run(context.Background(), cfg); importer.ExitCode(err) != 1 {
		t.Fatalf("resume without reads: %v, want exit 1", err)
	}
	if again := readReport(t, cfg.ReportPath); len(again) != 1 || again[0].Error != first[0].Error || again[0].PK != first[0].PK {
		t.Fatalf("resume without reads: %+v, want the earlier row again", again)
	}
	if err := h.sim.SetFaults(authentiktest.Faults{}); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if n := h.sim.CreateCount("eve"); n != 1 {
		t.Errorf("eve created %d times", n)
	}
	if got := h.sim.Stats().Requests[authentiktest.RouteCreateUser]; got != 1 {
		t.Errorf("%d create requests, want 1 (none on resume)", got)
	}
	if !h.sim.CheckPassword("eve", "pw-5") {
		t.Error("the password does not verify after resume")
	}
	rows := readReport(t, cfg.ReportPath)
	if len(rows) != 1 || rows[0].Status != report.StatusCreated || rows[0].PK != first[0].PK {
		t.Errorf("after resume: %+v", rows)
	}
}

// F-S1: an authentik that answers "starting" for its first moments is waited for: every
// row is created, at preflight and mid-run alike.
func TestWaitsForStartingAuthentik(t *testing.T) {
	for _, version := range []string{"2026.5.0", "2026.8.0"} {
		t.Run(version, func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{Version: version, StartingFor: 300 * time.Millisecond})
			var b strings.Builder
			b.WriteString("username,name\n")
			for i := range 30 {
				fmt.Fprintf(&b, "s%02d,S\n", i)
			}
			cfg := h.config(h.write("users.csv", b.String()))
			cfg.Backoff = authentik.Backoff{Min: 5 * time.Millisecond, Max: 20 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}
			cfg.Rate = 100
			_, err := importer.Run(context.Background(), cfg)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if st := h.sim.Stats(); st.Users != 30 || st.Faults[authentiktest.FaultStarting] == 0 {
				t.Errorf("%d users, %d starting answers; want 30 and some", st.Users, st.Faults[authentiktest.FaultStarting])
			}
		})
	}
	t.Run("mid-run", func(t *testing.T) {
		h := newHarness(t, authentiktest.Options{Version: "2026.5.0"})
		var b strings.Builder
		b.WriteString("username,name\n")
		for i := range 40 {
			fmt.Fprintf(&b, "m%02d,M\n", i)
		}
		cfg := h.config(h.write("users.csv", b.String()))
		cfg.Backoff = authentik.Backoff{Min: 5 * time.Millisecond, Max: 20 * time.Millisecond, MaxRetryAfter: 40 * time.Millisecond}
		cfg.Rate, cfg.Concurrency = 200, 2
		go func() {
			for h.sim.Stats().Creates < 10 {
				time.Sleep(time.Millisecond)
			}
			h.sim.BackendDown(100 * time.Millisecond)
		}()
		if _, err := importer.Run(context.Background(), cfg); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if st := h.sim.Stats(); st.Users != 40 {
			t.Errorf("%d users, want 40", st.Users)
		}
	})
}
