// Package mapping reads users from CSV or JSON Lines, keeping each row's line number, maps
// columns to the create request, and validates every field the way authentik does, with
// authentik's own messages, so bad rows are found before anything is sent.
package mapping

import "github.com/akimport/akimport/importer/authentik"

// Row is one input row, mapped and validated. When Errors is non-empty the row is invalid and
// must not be sent; Request may then be nil.
type Row struct {
	// Line is the line of the file where the row starts (1-based; the CSV header is line 1).
	Line int
	// Username is the row's username as read (possibly empty), for the report.
	Username string
	// Request is the create body; nil when the row could not be mapped at all.
	Request *authentik.UserRequest
	// GroupNames are entries of the groups cell that are not UUIDs: names to resolve to
	// UUIDs (F-L4) before sending. Request.Groups holds only the UUIDs.
	GroupNames []string
	// Password is the optional password cell, set with set_password after the create (F-L3).
	// It must never be logged or written to a report.
	Password string
	// PasswordHash is the optional password_hash cell in Django's format (converted from PHC
	// argon2 or passlib pbkdf2 when needed), set with set_password_hash after the create
	// (F-H1). Like Password, it must never be logged or written to a report.
	PasswordHash string
	// Errors says why the row is invalid, in authentik's words (field → messages).
	Errors authentik.FieldErrors
	// IdentityUnsure is why the row's username cannot be trusted to be the one the file
	// meant ("" when it can): --deactivate-missing then deactivates nobody.
	IdentityUnsure string
	// Warnings are non-fatal remarks for the report (e.g. duplicate e-mail address).
	Warnings []string
}

// Valid reports whether the row may be sent.
func (r *Row) Valid() bool { return len(r.Errors) == 0 }
