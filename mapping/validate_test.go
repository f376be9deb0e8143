package mapping

import (
	"strings"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik"
)

var longName = repeat("a", 150)

func TestCSVFieldValidation(t *testing.T) {
	tests := []struct {
		name   string
		header string
		row    string
		want   authentik.FieldErrors
	}{
		{"minimal valid", "username,name", "bob,Bob", nil},
		{"username cell empty", "username,name", ",Bob", authentik.FieldErrors{"username": {msgRequired}}},
		{"username column absent", "name", "Bob", authentik.FieldErrors{"username": {msgRequired}}},
		{"username only spaces", "username,name", "\"  \",Bob", authentik.FieldErrors{"username": {msgBlank}}},
		{"username 150 characters", "username,name", longName + ",Bob", nil},
		{"username 151 characters", "username,name", longName + "a,Bob", authentik.FieldErrors{"username": {msgUsernameTooLong}}},
		{"username 150 runes of 2 bytes", "username,name", repeat("é", 150) + ",Bob", nil},
		{"username 151 runes", "username,name", repeat("é", 151) + ",Bob", authentik.FieldErrors{"username": {msgUsernameTooLong}}},
		{"username any characters", "username,name", "\"ü ser@x/é\",Bob", nil},
		{"name cell empty", "username,name", "bob,", authentik.FieldErrors{"name": {msgRequired}}},
		{"name column absent", "username", "bob", authentik.FieldErrors{"name": {msgRequired}}},
		{"both required", "email", "a@example.com", authentik.FieldErrors{"username": {msgRequired}, "name": {msgRequired}}},
		{"email valid", "username,name,email", "bob,Bob,bob@example.com", nil},
		{"email empty is not sent", "username,name,email", "bob,Bob,", nil},
		{"email invalid", "username,name,email", "bob,Bob,bob@", authentik.FieldErrors{"email": {msgEmailInvalid}}},
		{"email no at", "username,name,email", "bob,Bob,bob.example.com", authentik.FieldErrors{"email": {msgEmailInvalid}}},
		{"email too long", "username,name,email", "bob,Bob," + repeat("a", 64) + "@" + repeat("b", 63) + "." + repeat("c", 63) + "." + repeat("d", 63) + ".com", authentik.FieldErrors{"email": {msgEmailTooLong}}},
		{"email too long and invalid", "username,name,email", "bob,Bob," + repeat("a", 300), authentik.FieldErrors{"email": {msgEmailTooLong, msgEmailInvalid}}},
		{"is_active true", "username,name,is_active", "bob,Bob,TRUE", nil},
		{"is_active no", "username,name,is_active", "bob,Bob,No", nil},
		{"is_active 0", "username,name,is_active", "bob,Bob,0", nil},
		{"is_active invalid", "username,name,is_active", "bob,Bob,maybe", authentik.FieldErrors{"is_active": {msgBoolInvalid}}},
		{"path valid", "username,name,path", "bob,Bob,users/imported", nil},
		{"path blank", "username,name,path", "bob,Bob,\" \"", authentik.FieldErrors{"path": {msgBlank}}},
		{"path leading slash", "username,name,path", "bob,Bob,/users", authentik.FieldErrors{"path": {msgPathSlashes}}},
		{"path trailing slash", "username,name,path", "bob,Bob,users/", authentik.FieldErrors{"path": {msgPathSlashes}}},
		{"path empty segment", "username,name,path", "bob,Bob,users//x", authentik.FieldErrors{"path": {msgPathEmptySegment}}},
		{"type internal", "username,name,type", "bob,Bob,internal", nil},
		{"type external", "username,name,type", "bob,Bob,external", nil},
		{"type service_account", "username,name,type", "bob,Bob,service_account", nil},
		{"type unknown", "username,name,type", "bob,Bob,admin", authentik.FieldErrors{"type": {`"admin" is not a valid choice.`}}},
		{"type internal service account", "username,name,type", "bob,Bob,internal_service_account", authentik.FieldErrors{"type": {msgInternalServiceAccount}}},
		{"last_login valid", "username,name,last_login", "bob,Bob,2024-01-02T03:04:05Z", nil},
		{"last_login invalid", "username,name,last_login", "bob,Bob,yesterday", authentik.FieldErrors{"last_login": {msgDateTimeInvalid}}},
		{"last_login impossible date", "username,name,last_login", "bob,Bob,2023-02-29T00:00", authentik.FieldErrors{"last_login": {msgDateTimeInvalid}}},
		{"attributes object", "username,name,attributes", `bob,Bob,"{""a"": 1}"`, nil},
		{"attributes not an object", "username,name,attributes", "bob,Bob,[1]", authentik.FieldErrors{"attributes": {msgAttributesInvalid}}},
		{"attributes broken JSON", "username,name,attributes", "bob,Bob,{", authentik.FieldErrors{"attributes": {msgAttributesInvalid}}},
		{"attributes trailing data", "username,name,attributes", "bob,Bob,{} x", authentik.FieldErrors{"attributes": {msgAttributesInvalid}}},
		{"password taken", "username,name,password", "bob,Bob,s3cret", nil},
		{"all errors together", "username,name,email,is_active,path,type,last_login", ",,x,maybe,/p,admin,never",
			authentik.FieldErrors{
				"username":   {msgRequired},
				"name":       {msgRequired},
				"email":      {msgEmailInvalid},
				"is_active":  {msgBoolInvalid},
				"path":       {msgPathSlashes},
				"type":       {`"admin" is not a valid choice.`},
				"last_login": {msgDateTimeInvalid},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := readOne(t, FormatCSV, tt.header+"\n"+tt.row+"\n", nil)
			checkErrors(t, row, tt.want)
		})
	}
}

func TestCSVMapsFields(t *testing.T) {
	const uuid = "0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f"
	in := "username,name,email,is_active,path,type,groups,attributes,last_login,password\n" +
		" bob ,Bob B,bob@example.com,false,users/x,external, staff ;" + uuid + ";;,\"{\"\"a\"\":{\"\"b\"\":1}}\",2024-01-02 03:04,pw\n"
	row := readOne(t, FormatCSV, in, nil)
	checkErrors(t, row, nil)
	req := row.Request
	// F-U3a: authentik stores " bob " as "bob"; the row's identity is what it stores.
	if req.Username != "bob" || row.Username != "bob" {
		t.Errorf("username = %q / %q, want it stripped", req.Username, row.Username)
	}
	if len(row.Warnings) != 1 || !strings.Contains(row.Warnings[0], "username: white space") {
		t.Errorf("warnings = %q, want one about the username's white space", row.Warnings)
	}
	if *req.Name != "Bob B" || *req.Email != "bob@example.com" || *req.IsActive || *req.Path != "users/x" || *req.Type != "external" || *req.LastLogin != "2024-01-02 03:04" {
		t.Errorf("request = %+v", req)
	}
	if len(req.Groups) != 1 || req.Groups[0] != uuid {
		t.Errorf("groups = %v, want [%s]", req.Groups, uuid)
	}
	if len(row.GroupNames) != 1 || row.GroupNames[0] != "staff" {
		t.Errorf("group names = %v, want [staff]", row.GroupNames)
	}
	if got := req.Attributes["a"].(map[string]any)["b"]; got.(interface{ String() string }).String() != "1" {
		t.Errorf("attributes = %v", req.Attributes)
	}
	if row.Password != "pw" {
		t.Errorf("password not kept")
	}
}

func TestCSVEmptyCellsAreNotSent(t *testing.T) {
	row := readOne(t, FormatCSV, "username,name,email,is_active,path,type,groups,attributes,last_login,password\nbob,Bob,,,,,,,,\n", nil)
	checkErrors(t, row, nil)
	req := row.Request
	if req.Email != nil || req.IsActive != nil || req.Path != nil || req.Type != nil || req.Groups != nil || req.Attributes != nil || req.LastLogin != nil || row.GroupNames != nil || row.Password != "" {
		t.Errorf("empty cells were sent: %+v", req)
	}
}

func TestValidEmail(t *testing.T) {
	tests := []struct {
		email string
		want  bool
	}{
		{"a@example.com", true},
		{"first.last+tag@sub.example.co.uk", true},
		{"a@localhost", true},
		{"a@[127.0.0.1]", true},
		{"a@[::1]", true},
		{"a@[fe80::1%eth0]", false},         // Django's literal has no zone
		{"\"john doe\"@example.com", false}, // a space must be escaped
		{"\"john\\ doe\"@example.com", true},
		{"\"john\\\rdoe\"@example.com", false}, // CR even escaped
		{"a@b.c", false},                       // TLD of one letter
		{"a@example", false},
		{"a@-example.com", false},
		{"a@example-.com", false},
		{"a@example.com.", false},
		{"a@example..com", false},
		{".a@example.com", false},
		{"a.@example.com", false},
		{"a..b@example.com", false},
		{"ü@example.com", false},
		{"a@bücher.de", true},
		{"a@b@example.com", false},
		{"a@[300.1.1.1]", false},
		{"", false},
		{"@example.com", false},
		{"a@xn--bcher-kva.de", true},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			if got := validEmail(tt.email); got != tt.want {
				t.Errorf("validEmail(%q) = %v, want %v", tt.email, got, tt.want)
			}
		})
	}
}

func TestValidDateTime(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"2024-01-02T03:04:05Z", true},
		{"2024-01-02T03:04", true},
		{"2024-01-02 03:04:05", true},
		{"2024-01-02T03:04:05.123456+02:00", true},
		{"2024-01-02T03:04:05,5-0130", true},
		{"2024-01-02T03:04:05+02", true},
		{"2024-1-2T3:4", true},
		{"2024-01-02T03:04:05.1234567890Z", true},
		{"2024-01-02T03:04 Z", true},
		{"2024-01-02", true},
		{"2024-02-29T00:00", true},
		{"2023-02-29T00:00", false},
		{"2024-13-01T00:00", false},
		{"2024-01-02T24:00", false},
		{"2024-01-02T03:60", false},
		{"2024-01-02T03:04:60", false},
		{"2024-01-02T03:04+24:00", false},
		{"2024-01-02T03:04+02:", false},
		{"2024-01-02T03", false},
		{"0000-01-01T00:00", false},
		{"24-01-02T03:04", false},
		{"2024-01-02X03:04", false},
		{" 2024-01-02T03:04", false},
		{"2024-1-2", false},
		{"yesterday", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := validDateTime(tt.in); got != tt.want {
				t.Errorf("validDateTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsUUID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f", true},
		{"0B5A5E7E-1F49-4C4E-9D7E-1F1F1F1F1F1F", true},
		{"0b5a5e7e1f494c4e9d7e1f1f1f1f1f1f", true},
		{"0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1", false},
		{"0b5a5e7e-1f49-4c4e-9d7e_1f1f1f1f1f1f", false},
		{"gb5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f", false},
		{"staff", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := IsUUID(tt.in); got != tt.want {
				t.Errorf("IsUUID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func TestParseDateTimeInstant(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-05-01T08:30:00Z", utc(2024, 5, 1, 8, 30, 0, 0)},
		{"2024-05-01T10:30:00+02:00", utc(2024, 5, 1, 8, 30, 0, 0)},
		{"2024-05-01 10:30+0200", utc(2024, 5, 1, 8, 30, 0, 0)},
		{"2024-05-01T03:30:00-05", utc(2024, 5, 1, 8, 30, 0, 0)},
		{"2024-05-01T08:30:00.123456Z", utc(2024, 5, 1, 8, 30, 0, 123456000)},
		{"2024-05-01T08:30:00.5", utc(2024, 5, 1, 8, 30, 0, 500000000)},
		{"2024-5-1T8:30", utc(2024, 5, 1, 8, 30, 0, 0)},
		{"2024-05-01", utc(2024, 5, 1, 0, 0, 0, 0)},
	}
	for _, tt := range tests {
		got, ok := ParseDateTime(tt.in)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"yesterday", "2024-02-30", "2024-05-01T24:00", "2024-5-1", "2024-05-01T08:30+24:00"} {
		if _, ok := ParseDateTime(bad); ok {
			t.Errorf("ParseDateTime(%q) accepted", bad)
		}
	}
}

// is_active's words and JSON values, read into the request.
func TestIsActiveValues(t *testing.T) {
	for in, want := range map[string]bool{"TRUE": true, "yes": true, "1": true, "No": false, "0": false, "false": false} {
		row := readOne(t, FormatCSV, "username,name,is_active\nbob,Bob,"+in+"\n", nil)
		checkErrors(t, row, nil)
		if got := *row.Request.IsActive; got != want {
			t.Errorf("is_active %q = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[string]bool{"true": true, "1": true, "false": false, "0": false} {
		row := readOne(t, FormatJSONL, `{"username":"bob","name":"Bob","is_active":`+in+"}\n", nil)
		checkErrors(t, row, nil)
		if got := *row.Request.IsActive; got != want {
			t.Errorf("JSON is_active %s = %v, want %v", in, got, want)
		}
	}
}
