package mapping

import (
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// Every vector gets the outcome it must, the hash it must, and messages that quote nothing
// of the cell. Django's verdicts on the same vectors are in passwordhash_django_test.go.
func TestHashVectors(t *testing.T) {
	for _, v := range goHashVectors() {
		t.Run(v.name, func(t *testing.T) {
			got, sent, warning, err := outcomeOf(t, v)
			if got != v.want || v.sent != "" && sent != v.sent {
				t.Errorf("%s, sent %q (warning %q, error %v)\nwant %s, sent %q", got, sent, warning, err, v.want, v.sent)
			}
			if err != nil && !strings.HasSuffix(err.Error(), adviceRecovery) {
				t.Errorf("the refusal does not say what to do instead: %v", err)
			}
			if again, w, err := NormalizePasswordHash(sent); err == nil && (again != sent || w != "") {
				t.Errorf("the hash sent is not canonical: it becomes %q (warning %q)", again, w)
			}
		})
	}
}

// The reasons: each refusal says why, in words an admin can act on.
func TestPasswordHashReasons(t *testing.T) {
	phc := authentiktest.MakeArgon2idPHC("pw", "saltsalt-01", 64, 1, 1)
	tests := []struct{ name, in, want string }{
		{"raw bcrypt", authentiktest.MakeBcrypt("pw", 4), "raw bcrypt hash cannot be imported"},
		{"sha-crypt", "$6$rounds=1000$abcdefgh$x", "crypt(3)"},
		{"SSHA", "{SSHA}abcdefgh", "LDAP or Spring scheme"},
		{"Spring noop", "{noop}hunter2", "LDAP or Spring scheme"},
		{"unsalted SHA-1", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "unsalted hex digest"},
		{"unusable", "!abcdefghij", "unusable password"},
		{"unknown algorithm", "pbkdf2_sha512$1000$salt$abc", "not a password hash format akimport knows"},
		{"plain text", "hunter2", "not a password hash format akimport knows"},
		{"Django md5", "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99", "not enabled in authentik"},
		{"pbkdf2 binary salt", "pbkdf2_sha256$1000$ab\x00cd$yqO3ft2VwqfCrfKqAq0RSMpNOLj0wTdi4kuGTpmJU5o=", "salt is binary"},
		{"pbkdf2 iterations word", "pbkdf2_sha256$many$pepper12$yqO3ft2VwqfCrfKqAq0RSMpNOLj0wTdi4kuGTpmJU5o=", "iterations must be a number"},
		{"pbkdf2 iterations beyond C int", "pbkdf2_sha256$2147483648$pepper12$yqO3ft2VwqfCrfKqAq0RSMpNOLj0wTdi4kuGTpmJU5o=", "iterations must be a number"},
		{"pbkdf2 short hash", "pbkdf2_sha256$1000$pepper12$c2hvcnQ=", "base64 of 32 bytes"},
		{"argon2 salt of 7 bytes", "argon2" + strings.Replace(phc, "$c2FsdHNhbHQtMDE$", "$c2FsdHNhbA$", 1), "salt must be base64 of at least 8 bytes"},
		{"argon2 parameters in another order", strings.Replace(phc, "m=64,t=1,p=1", "t=1,m=64,p=1", 1), "in that order"},
		{"argon2 m below 8p", strings.Replace(phc, "m=64,t=1,p=1", "m=64,t=1,p=9", 1), "m from 8·p"},
		{"argon2 version", strings.Replace(phc, "v=19", "v=20", 1), "version must be v=19"},
		{"argon2 keyid", strings.Replace(phc, "p=1$", "p=1,keyid=abc$", 1), "in that order"},
		{"argon2 variant", strings.Replace(phc, "argon2id", "argon2x", 1), "want $argon2id$v=19"},
		{"scrypt over 32 MiB", "scrypt$32768$salt$8$1$" + strings.Repeat("A", 86) + "==", "32 MiB"},
		{"scrypt N not a power of 2", "scrypt$1000$salt$8$1$" + strings.Repeat("A", 86) + "==", "power of 2"},
		{"bcrypt_sha256 truncated", "bcrypt_sha256$$2b$04$abc", "53 characters"},
		{"bcrypt_sha256 cost 03", "bcrypt_sha256$$2b$03$" + strings.Repeat("a", 53), "from 04 to 31"},
		{"bcrypt_sha256 2c", "bcrypt_sha256$$2c$04$" + strings.Repeat("a", 53), "versions 2a, 2b and 2y"},
		{"passlib sha512", "$pbkdf2-sha512$1000$c2FsdA$aGFzaA", "only $pbkdf2-sha256$"},
		{"Werkzeug sha512", "pbkdf2:sha512:1000$salt$abcd", "only pbkdf2:sha256"},
		{"Werkzeug bad hex", "pbkdf2:sha256:1000$salt$xyz", "hex digest"},
		{"Keycloak pbkdf2", `{"secretData":{"value":"a","salt":"b"},"credentialData":{"algorithm":"pbkdf2-sha512"}}`, "only Keycloak's argon2"},
		{"Keycloak unknown version", `{"secretData":{"value":"YWFhYQ","salt":"c2FsdHNhbHQ="},"credentialData":{"algorithm":"argon2","hashIterations":1,"additionalParameters":{"version":["1.2"],"type":["id"]}}}`, "version 1.3 or 1.0"},
		{"JSON without a credential", `{"password":"x"}`, `needs {"secretData"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warning, err := NormalizePasswordHash(tt.in)
			if err == nil {
				t.Fatalf("got %q (warning %q), want an error saying %q", got, warning, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasSuffix(err.Error(), adviceRecovery) {
				t.Errorf("error %q does not say %q and what to do", err, tt.want)
			}
			if leak := secretIn(err.Error(), tt.in); leak != "" {
				t.Errorf("error %q quotes %q", err, leak)
			}
		})
	}
}

func TestPasswordHashColumn(t *testing.T) {
	phc := authentiktest.MakeArgon2idPHC("pw", "saltsalt-01", 64, 1, 1)
	raw := authentiktest.MakeBcrypt("pw", 4)
	tests := []struct {
		name, format, input string
		wantHash, wantErr   string
		wantWarning         string
	}{
		{"CSV", "csv", "username,name,password_hash\nalice,Alice,\"" + phc + "\"\n", "argon2" + phc, "", ""},
		{"JSONL", "jsonl", `{"username":"alice","name":"Alice","password_hash":"` + djangoPBKDF2Vector + `"}` + "\n", djangoPBKDF2Vector, "", ""},
		{"rewritten with a warning", "csv", "username,name,password_hash\nalice,Alice," + strings.TrimSuffix(djangoPBKDF2Vector, "=") + "\n", djangoPBKDF2Vector, "", "password_hash: rewritten as Django writes it (base64 padding or unused bits)"},
		{"surrounding spaces trimmed", "csv", "username,name,password_hash\nalice,Alice, " + djangoPBKDF2Vector + "\t\n", djangoPBKDF2Vector, "", ""},
		{"empty cell sends nothing", "csv", "username,name,password_hash\nalice,Alice,\n", "", "", ""},
		{"both columns", "csv", "username,name,password,password_hash\nalice,Alice,pw," + djangoPBKDF2Vector + "\n", "", "password_hash: give either password or password_hash, not both", ""},
		{"raw bcrypt", "csv", "username,name,password_hash\nalice,Alice," + raw + "\n", "", "password_hash: a raw bcrypt hash", ""},
		{"JSON number", "jsonl", `{"username":"alice","name":"Alice","password_hash":5}` + "\n", "", "password_hash: Not a valid string.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := readOne(t, Format(tt.format), tt.input, nil)
			if row.PasswordHash != tt.wantHash {
				t.Errorf("PasswordHash %q, want %q", row.PasswordHash, tt.wantHash)
			}
			if got := row.Errors.String(); !strings.HasPrefix(got, tt.wantErr) || (tt.wantErr == "") != (got == "") {
				t.Errorf("errors %q, want %q", got, tt.wantErr)
			}
			if got := strings.Join(row.Warnings, "; "); !strings.HasPrefix(got, tt.wantWarning) || (tt.wantWarning == "") != (got == "") {
				t.Errorf("warnings %q, want %q", got, tt.wantWarning)
			}
			if !row.Valid() && (row.Password != "" || row.PasswordHash != "") {
				t.Error("an invalid row keeps its secrets")
			}
			for _, secret := range []string{djangoPBKDF2Vector, raw, phc} {
				if leak := secretIn(row.Errors.String()+strings.Join(row.Warnings, ""), secret); leak != "" {
					t.Errorf("errors or warnings quote %q", leak)
				}
			}
		})
	}
}

func TestPasswordHashMappedColumn(t *testing.T) {
	m := mustMapping(t, "columns:\n  pwhash: password_hash\n")
	row := readOne(t, FormatCSV, "username,name,pwhash\nalice,Alice,"+djangoScryptVector+"\n", m)
	if row.PasswordHash != djangoScryptVector || !row.Valid() {
		t.Errorf("got %q, errors %s", row.PasswordHash, row.Errors)
	}
}

// FuzzNormalizePasswordHash: no cell panics; what is sent is canonical (it comes back
// unchanged, without a warning); no message quotes the cell.
func FuzzNormalizePasswordHash(f *testing.F) {
	for _, v := range goHashVectors() {
		f.Add(v.cell)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		sent, warning, err := NormalizePasswordHash(cell)
		for _, msg := range []string{warning, errText(err)} {
			if leak := secretIn(msg, cell); leak != "" {
				t.Fatalf("message %q quotes %q", msg, leak)
			}
		}
		if err != nil {
			return
		}
		if again, w, err := NormalizePasswordHash(sent); err != nil || again != sent || w != "" {
			t.Fatalf("%q is sent, which becomes %q, %q, %v", sent, again, w, err)
		}
	})
}
