package authentiktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik"
)

const stagePK = "33333333-3333-4333-8333-333333333333"

func migrationServer(t *testing.T, version string) (*Server, *httptest.Server) {
	t.Helper()
	return newTestServer(t, Options{Version: version, EmailStages: []EmailStage{{PK: stagePK, Name: "onboarding"}}})
}

// F-V1: GET /admin/version/ names the release; GET /core/users/me/ the token's user; any
// valid token may ask.
func TestVersionAndMe(t *testing.T) {
	_, ts := migrationServer(t, "2025.10.4")
	for _, auth := range []string{"", "Bearer " + readOnlyToken} {
		got := do(t, ts, request{method: http.MethodGet, path: "admin/version/", auth: auth})
		info := decode[authentik.VersionInfo](t, got.body)
		if got.status != http.StatusOK || info.VersionCurrent != "2025.10.4" {
			t.Errorf("version with %q: %d %s", auth, got.status, got.body)
		}
		got = do(t, ts, request{method: http.MethodGet, path: "core/users/me/", auth: auth})
		me := decode[authentik.SessionUser](t, got.body)
		if got.status != http.StatusOK || me.User.Username != "akadmin" || !me.User.IsSuperuser {
			t.Errorf("me with %q: %d %s", auth, got.status, got.body)
		}
	}
	got := do(t, ts, request{method: http.MethodGet, path: "admin/version/", auth: "Bearer wrong"})
	if got.status != http.StatusForbidden {
		t.Errorf("version with a wrong token: %d, want 403", got.status)
	}
}

// F-H1: set_password_hash exists since 2026.5 (404 before), takes the hashes of Django's
// enabled hashers, refuses what none decodes, and the stored hash verifies the password
// with Django's algorithm.
func TestSetPasswordHash(t *testing.T) {
	const password = "correct horse battery staple"
	hashes := map[string]string{
		"argon2":        "argon2" + MakeArgon2idPHC(password, "saltsaltsalt", 1024, 1, 1),
		"pbkdf2_sha256": MakePBKDF2SHA256(password, "pepper12", 1000),
		"scrypt":        MakeScrypt(password, "NaClNaCl", 1024, 8, 1),
		"bcrypt_sha256": MakeBcryptSHA256(password, 4),
	}
	t.Run("404 before 2026.5", func(t *testing.T) {
		s, ts := migrationServer(t, "2025.10.4")
		u := mustCreate(t, ts, `{"username":"a","name":"A"}`)
		got := do(t, ts, request{method: http.MethodPost, path: fmt.Sprintf("core/users/%d/set_password_hash/", u.PK), body: `{"password":"x"}`})
		wantResponse(t, got, http.StatusNotFound, `{"detail":"Not found."}`)
		if s.HasPasswordHash("a") {
			t.Error("a hash was stored")
		}
	})
	for name, hash := range hashes {
		t.Run(name, func(t *testing.T) {
			s, ts := migrationServer(t, "2026.5.0")
			u := mustCreate(t, ts, `{"username":"a","name":"A"}`)
			body, _ := json.Marshal(map[string]string{"password": hash})
			got := do(t, ts, request{method: http.MethodPost, path: fmt.Sprintf("core/users/%d/set_password_hash/", u.PK), body: string(body)})
			if got.status != http.StatusNoContent {
				t.Fatalf("got %d %s, want 204", got.status, got.body)
			}
			if !s.CheckPassword("a", password) {
				t.Error("the password does not verify against the stored hash")
			}
			if s.CheckPassword("a", password+"!") {
				t.Error("a wrong password verifies")
			}
		})
	}
	for _, bad := range []string{MakeBcrypt(password, 4), "bcrypt$" + MakeBcrypt(password, 4), "md5$salt$abc", "pbkdf2_sha256$x$salt$hash", "argon2$argon2id$v=19$m=1,t=1$a$b"} {
		t.Run("refused "+strings.SplitN(bad, "$", 2)[0], func(t *testing.T) {
			s, ts := migrationServer(t, "2026.5.0")
			u := mustCreate(t, ts, `{"username":"a","name":"A"}`)
			body, _ := json.Marshal(map[string]string{"password": bad})
			got := do(t, ts, request{method: http.MethodPost, path: fmt.Sprintf("core/users/%d/set_password_hash/", u.PK), body: string(body)})
			wantResponse(t, got, http.StatusBadRequest, `{"password":["`+msgInvalidHash+`"]}`)
			if s.HasPasswordHash("a") {
				t.Error("a refused hash was stored")
			}
		})
	}
	t.Run("an unknown user is 404 before the body is judged", func(t *testing.T) {
		_, ts := migrationServer(t, "2026.5.0")
		for _, body := range []string{`{"password":"x"}`, `not json`, `{}`} {
			got := do(t, ts, request{method: http.MethodPost, path: "core/users/99/set_password_hash/", body: body})
			wantResponse(t, got, http.StatusNotFound, `{"detail":"`+msgNoUser+`"}`)
		}
	})
	t.Run("accepted as Django decodes it, though it never verifies", func(t *testing.T) {
		s, ts := migrationServer(t, "2026.5.0")
		u := mustCreate(t, ts, `{"username":"a","name":"A"}`)
		for _, hash := range []string{strings.Replace(hashes["pbkdf2_sha256"], "$1000$", "$01000$", 1), hashes["argon2"] + "=", strings.TrimSuffix(hashes["scrypt"], "==")} {
			b, _ := json.Marshal(map[string]string{"password": hash})
			got := do(t, ts, request{method: http.MethodPost, path: fmt.Sprintf("core/users/%d/set_password_hash/", u.PK), body: string(b)})
			if got.status != http.StatusNoContent {
				t.Errorf("%s: got %d %s, want 204", b, got.status, got.body)
			}
			if s.CheckPassword("a", password) {
				t.Errorf("%s verifies, which Django never does", b)
			}
		}
	})
	t.Run("2026.8 refuses weak parameters unless override", func(t *testing.T) {
		s, ts := migrationServer(t, "2026.8.0")
		u := mustCreate(t, ts, `{"username":"a","name":"A"}`)
		path := fmt.Sprintf("core/users/%d/set_password_hash/", u.PK)
		body, _ := json.Marshal(map[string]any{"password": hashes["pbkdf2_sha256"]})
		wantResponse(t, do(t, ts, request{method: http.MethodPost, path: path, body: string(body)}),
			http.StatusBadRequest, `{"password":["`+msgWeakHash+`"]}`)
		body, _ = json.Marshal(map[string]any{"password": hashes["pbkdf2_sha256"], "override": true})
		if got := do(t, ts, request{method: http.MethodPost, path: path, body: string(body)}); got.status != http.StatusNoContent {
			t.Errorf("with override: %d %s", got.status, got.body)
		}
		if !s.CheckPassword("a", password) {
			t.Error("the password does not verify")
		}
	})
}

// F-R1: recovery_email takes the stage as a query parameter up to 2025.12 and as a JSON
// body since 2026.2; its 400s are {"non_field_errors": "<text>"}; 204 sends the e-mail.
func TestRecoveryEmail(t *testing.T) {
	query := func(pk int, stage string) request {
		return request{method: http.MethodPost, path: fmt.Sprintf("core/users/%d/recovery_email/?email_stage=%s", pk, stage)}
	}
	body := func(pk int, stage string) request {
		return request{method: http.MethodPost, path: fmt.Sprintf("core/users/%d/recovery_email/", pk), body: `{"email_stage":"` + stage + `"}`}
	}
	tests := []struct {
		name, version string
		noFlow        bool
		email         string
		req           func(int, string) request
		stage         string
		wantStatus    int
		wantBody      string
	}{
		{"query form up to 2025.12", "2025.10.4", false, "a@example.com", query, stagePK, 204, ""},
		{"body form since 2026.2", "2026.5.0", false, "a@example.com", body, stagePK, 204, ""},
		{"body ignored up to 2025.12", "2025.10.4", false, "a@example.com", body, stagePK, 400, `{"non_field_errors":"Email stage not found."}`},
		{"query ignored since 2026.2", "2026.5.0", false, "a@example.com", query, stagePK, 400, `{"email_stage":["This field is required."]}`},
		{"no address", "2026.5.0", false, "", body, stagePK, 400, `{"non_field_errors":"User does not have an email address set."}`},
		{"no recovery flow", "2026.5.0", true, "a@example.com", body, stagePK, 400, `{"non_field_errors":"No recovery flow set."}`},
		{"unknown stage", "2026.5.0", false, "a@example.com", body, missingPK, 400, `{"non_field_errors":"Email stage not found."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ts := newTestServer(t, Options{Version: tt.version, NoRecoveryFlow: tt.noFlow,
				EmailStages: []EmailStage{{PK: stagePK, Name: "onboarding"}}})
			u := mustCreate(t, ts, `{"username":"a","name":"A","email":"`+tt.email+`"}`)
			wantResponse(t, do(t, ts, tt.req(u.PK, tt.stage)), tt.wantStatus, tt.wantBody)
			sent := s.RecoveryEmails()
			if tt.wantStatus == 204 && (len(sent) != 1 || sent[0].Username != "a" || sent[0].Stage != "onboarding") {
				t.Errorf("sent %+v, want one e-mail to a through onboarding", sent)
			}
			if tt.wantStatus != 204 && len(sent) != 0 {
				t.Errorf("sent %+v after a refusal", sent)
			}
		})
	}
}

// F-R1: GET /stages/email/?name= finds a stage by exact name.
func TestListEmailStages(t *testing.T) {
	_, ts := migrationServer(t, "2026.5.0")
	got := do(t, ts, request{method: http.MethodGet, path: "stages/email/?name=onboarding"})
	list := decode[authentik.EmailStageList](t, got.body)
	if got.status != 200 || len(list.Results) != 1 || list.Results[0].PK != stagePK || list.Pagination.Count != 1 {
		t.Errorf("got %d %s", got.status, got.body)
	}
	got = do(t, ts, request{method: http.MethodGet, path: "stages/email/?name=other"})
	if list := decode[authentik.EmailStageList](t, got.body); len(list.Results) != 0 {
		t.Errorf("other: got %s", got.body)
	}
}

// F-D1: DELETE removes the user for good: 204, then 404.
func TestDeleteUser(t *testing.T) {
	s, ts := migrationServer(t, "2026.5.0")
	u := mustCreate(t, ts, `{"username":"a","name":"A"}`)
	path := fmt.Sprintf("core/users/%d/", u.PK)
	if got := do(t, ts, request{method: http.MethodDelete, path: path}); got.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", got.status, got.body)
	}
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		if got := do(t, ts, request{method: method, path: path}); got.status != http.StatusNotFound {
			t.Errorf("%s after delete: %d %s, want 404", method, got.status, got.body)
		}
	}
	if _, ok := s.UserByUsername("a"); ok || s.Stats().Users != 0 {
		t.Error("the user is still listed")
	}
	mustCreate(t, ts, `{"username":"a","name":"A"}`) // the username is free again
}

// F-S1: while starting, the router answers for authentik: 200 {"error": "authentik
// starting"} with Retry-After up to 2026.5, 502 when the backend is down, 503 since 2026.8.
func TestStartingAnswers(t *testing.T) {
	tests := []struct {
		version    string
		down       bool
		wantStatus int
		wantBody   string
	}{
		{"2026.5.0", false, 200, `{"error":"authentik starting"}`},
		{"2026.5.0", true, 502, `{"error":"` + msgBackendDown + `"}`},
		{"2026.8.0", false, 503, `{"error":"authentik starting"}`},
		{"2026.8.0", true, 503, `{"error":"authentik starting"}`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s down=%v", tt.version, tt.down), func(t *testing.T) {
			s, ts := migrationServer(t, tt.version)
			if tt.down {
				s.BackendDown(time.Hour)
			} else {
				s.Starting(time.Hour)
			}
			got := do(t, ts, request{method: http.MethodGet, path: "core/users/?username=a"})
			wantResponse(t, got, tt.wantStatus, tt.wantBody)
			if !tt.down && got.header.Get("Retry-After") != "5" {
				t.Errorf("Retry-After %q, want 5", got.header.Get("Retry-After"))
			}
			s.Starting(0)
			s.BackendDown(0)
			if got := do(t, ts, request{method: http.MethodGet, path: "core/users/?username=a"}); got.status != 200 || !strings.Contains(got.body, "pagination") {
				t.Errorf("after start-up: %d %s", got.status, got.body)
			}
		})
	}
	t.Run("StartingFor", func(t *testing.T) {
		_, ts := newTestServer(t, Options{StartingFor: time.Hour})
		if got := do(t, ts, request{method: http.MethodGet, path: "core/users/"}); !strings.Contains(got.body, msgStarting) {
			t.Errorf("got %d %s", got.status, got.body)
		}
	})
}

// F-H1: aksim's own verify-password route checks a login against the stored hash.
func TestVerifyPasswordRoute(t *testing.T) {
	s, ts := migrationServer(t, "2026.5.0")
	u := mustCreate(t, ts, `{"username":"a","name":"A"}`)
	if !s.store.setPasswordHash(u.PK, MakePBKDF2SHA256("pw", "saltsalt", 1000)) {
		t.Fatal("set")
	}
	for pw, want := range map[string]string{"pw": `{"valid":true}`, "nope": `{"valid":false}`} {
		got := do(t, ts, request{method: http.MethodPost, path: verifyPasswordPath, body: `{"username":"a","password":"` + pw + `"}`})
		wantResponse(t, got, http.StatusOK, want)
	}
	if got := do(t, ts, request{method: http.MethodPost, path: verifyPasswordPath, body: `{}`, auth: "-"}); got.status != http.StatusForbidden {
		t.Errorf("without a token: %d", got.status)
	}
}
