package authentiktest

import (
	"net/http"
	"slices"

	"github.com/akimport/akimport/importer/authentik"
)

// recovery_email's 400 messages (F-R1), sent as {"non_field_errors": "<text>"}: a string,
// not a list.
const (
	msgNoEmail        = "User does not have an email address set."
	msgNoRecoveryFlow = "No recovery flow set."
	msgStageNotFound  = "Email stage not found."
	msgInvalidUUID    = "Must be a valid UUID."
)

// RecoveryEmail is one recovery e-mail the server sent.
type RecoveryEmail struct {
	Username string
	Email    string
	Stage    string // the e-mail stage's name
	// Form is how the stage was named: "query" (email_stage=, up to 2025.12) or "body"
	// (JSON, since 2026.2).
	Form string
}

// recoveryEmail is POST /core/users/{pk}/recovery_email/ (F-R1).
func (s *Server) recoveryEmail(w http.ResponseWriter, r *http.Request, pkText string) {
	u, ok := s.userAt(w, pkText)
	if !ok {
		return
	}
	form, stagePK := "query", lastValue(r.URL.Query(), "email_stage")
	if s.version.AtLeast(authentik.VersionRecoveryBody) {
		data, ok := readObject(w, r)
		if !ok {
			return
		}
		form, stagePK = "body", ""
		switch v := data["email_stage"].(type) {
		case nil:
			writeJSON(w, http.StatusBadRequest, fieldErrors{"email_stage": {msgRequired}})
			return
		case string:
			if _, ok := parsePyUUID(v); !ok {
				writeJSON(w, http.StatusBadRequest, fieldErrors{"email_stage": {msgInvalidUUID}})
				return
			}
			stagePK = v
		default:
			writeJSON(w, http.StatusBadRequest, fieldErrors{"email_stage": {msgInvalidUUID}})
			return
		}
	}
	nonField := func(msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{authentik.NonFieldErrors: msg})
	}
	if u.Email == "" {
		nonField(msgNoEmail)
		return
	}
	if s.noRecoveryFlow {
		nonField(msgNoRecoveryFlow)
		return
	}
	stage, ok := s.stageByPK(stagePK)
	if !ok {
		nonField(msgStageNotFound)
		return
	}
	s.mailMu.Lock()
	s.mail = append(s.mail, RecoveryEmail{Username: u.Username, Email: u.Email, Stage: stage.Name, Form: form})
	s.mailMu.Unlock()
	s.stats.recoveryEmail()
	w.WriteHeader(http.StatusNoContent)
}

// RecoveryEmails returns the recovery e-mails sent so far, in order.
func (s *Server) RecoveryEmails() []RecoveryEmail {
	s.mailMu.Lock()
	defer s.mailMu.Unlock()
	return slices.Clone(s.mail)
}
