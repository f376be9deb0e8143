package mapping

import (
	"strings"
	"testing"
)

// Real hashes of "s3cret-pw" (made with authentiktest's hash makers).
const (
	phcArgon2id  = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$hb5/L6fuU1erqMWPinC5m7BAO2yJMCMrSgXTDCdoLIo"
	djangoPBKDF2 = "pbkdf2_sha256$1000$pepper12$yqO3ft2VwqfCrfKqAq0RSMpNOLj0wTdi4kuGTpmJU5o="
	djangoScrypt = "scrypt$1024$NaClNaCl$8$1$y/iTFxh1Ym4/pFvcEtet7QOVLkwTZcKs3nHuaOE98YFcxvtdu3mrxnT/yaxMo9Fdhd6ZOorMcyZgu4qOUs2Q3g=="
	djangoBcrypt = "bcrypt_sha256$$2a$04$U3RQgAnR0odm2oeKaXVPBOttBialrXvDIfjfgKoOGKxMzKQhNMrwO"
	rawBcrypt    = "$2a$04$b39JXXGModFHRztnKB9Zj.afrdQr2.JN/A6q/qr2/O1I0Ri71SDZa"
)

func TestNormalizePasswordHash(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        string // a part of the message; "" = accepted
	}{
		{"PHC argon2id converted", phcArgon2id, "argon2" + phcArgon2id, ""},
		{"PHC argon2id padded", strings.Replace(phcArgon2id, "$c2FsdHNhbHRzYWx0$", "$c2FsdHNhbHRzYWx0$", 1) + "=", "argon2" + phcArgon2id, ""},
		{"Django argon2 kept", "argon2" + phcArgon2id, "argon2" + phcArgon2id, ""},
		{"Django pbkdf2_sha256 kept", djangoPBKDF2, djangoPBKDF2, ""},
		{"surrounding spaces trimmed", " " + djangoPBKDF2 + "\t", djangoPBKDF2, ""},
		{"Django scrypt kept", djangoScrypt, djangoScrypt, ""},
		{"Django bcrypt_sha256 kept", djangoBcrypt, djangoBcrypt, ""},
		{"passlib pbkdf2 with a text salt converted", "$pbkdf2-sha256$1000$cGVwcGVyMTI$yqO3ft2VwqfCrfKqAq0RSMpNOLj0wTdi4kuGTpmJU5o", djangoPBKDF2, ""},
		{"raw bcrypt", rawBcrypt, "", "raw bcrypt"},
		{"raw bcrypt 2b", strings.Replace(rawBcrypt, "$2a$", "$2b$", 1), "", "does not enable Django's plain bcrypt"},
		{"Django plain bcrypt", "bcrypt$" + rawBcrypt, "", "plain bcrypt hasher is not enabled"},
		{"md5-crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", "", "md5-crypt"},
		{"unsalted md5", "5f4dcc3b5aa765d61d8327deb882cf99", "", "unsalted MD5"},
		{"unsalted sha1", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "", "unsalted SHA-1"},
		{"Django md5", "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99", "", `Django's md5 hasher is not enabled`},
		{"passlib pbkdf2 with a binary salt", "$pbkdf2-sha256$27500$3q2.7wAAAAD/////AAAAAA$yqO3ft2VwqfCrfKqAq0RSMpNOLj0wTdi4kuGTpmJU5o", "", "salt is binary"},
		{"Django pbkdf2 with a binary salt", "pbkdf2_sha256$1000$ab\x01cd$yqO3ft2VwqfCrfKqAq0RSMpNOLj0wTdi4kuGTpmJU5o=", "", "salt is binary"},
		{"Keycloak JSON credential", `{"value":"abc","salt":"3q2+7w=="}`, "", "Keycloak"},
		{"pbkdf2 short hash", "pbkdf2_sha256$1000$pepper12$c2hvcnQ=", "", "base64 of 32 bytes"},
		{"pbkdf2 bad iterations", "pbkdf2_sha256$many$pepper12$yqO3ft2VwqfCrfKqAq0RSMpNOLj0wTdi4kuGTpmJU5o=", "", "iterations"},
		{"argon2 old version", strings.Replace(phcArgon2id, "v=19", "v=16", 1), "", "v=19"},
		{"argon2 bad parameters", strings.Replace(phcArgon2id, "m=1024,t=1,p=1", "t=1,m=1024,p=1", 1), "", "parameters"},
		{"argon2 bad base64", strings.Replace(phcArgon2id, "$c2FsdHNhbHRzYWx0$", "$!!!!$", 1), "", "salt is not base64"},
		{"scrypt N not a power of 2", strings.Replace(djangoScrypt, "$1024$", "$1000$", 1), "", "power of 2"},
		{"bcrypt_sha256 truncated", djangoBcrypt[:40], "", "bcrypt_sha256"},
		{"unknown algorithm", "pbkdf2_sha512$1000$salt$abc", "", `"pbkdf2_sha512"`},
		{"plain text", "hunter2", "", "not a password hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePasswordHash(tt.in)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q, want an error containing %q", got, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not say %q", err, tt.wantErr)
			}
			if secretIn(err.Error(), tt.in) {
				t.Errorf("error %q quotes the hash", err)
			}
		})
	}
}

// secretIn reports whether msg quotes the hash or any of its $-separated parts of 8
// characters or more (salts, digests) after the first two (algorithm names).
func secretIn(msg, hash string) bool {
	parts := strings.Split(hash, "$")
	for _, part := range append(parts[min(2, len(parts)):], hash) {
		if len(part) >= 8 && strings.Contains(msg, part) {
			return true
		}
	}
	return false
}

func TestPasswordHashColumn(t *testing.T) {
	tests := []struct {
		name, format, input string
		wantHash            string
		wantErr             string
	}{
		{"CSV", "csv", "username,name,password_hash\nalice,Alice,\"" + phcArgon2id + "\"\n", "argon2" + phcArgon2id, ""},
		{"JSONL", "jsonl", `{"username":"alice","name":"Alice","password_hash":"` + djangoPBKDF2 + `"}` + "\n", djangoPBKDF2, ""},
		{"empty cell sends nothing", "csv", "username,name,password_hash\nalice,Alice,\n", "", ""},
		{"both columns", "csv", "username,name,password,password_hash\nalice,Alice,pw," + djangoPBKDF2 + "\n", "", "password_hash: give either password or password_hash, not both"},
		{"raw bcrypt", "csv", "username,name,password_hash\nalice,Alice," + rawBcrypt + "\n", "", "password_hash: a raw bcrypt hash"},
		{"JSON number", "jsonl", `{"username":"alice","name":"Alice","password_hash":5}` + "\n", "", "password_hash: Not a valid string."},
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
			if !row.Valid() && (row.Password != "" || row.PasswordHash != "") {
				t.Error("an invalid row keeps its secrets")
			}
			if secretIn(row.Errors.String(), djangoPBKDF2) || secretIn(row.Errors.String(), rawBcrypt) {
				t.Errorf("errors quote the hash: %s", row.Errors)
			}
		})
	}
}

func TestPasswordHashMappedColumn(t *testing.T) {
	m := mustMapping(t, "columns:\n  pwhash: password_hash\n")
	row := readOne(t, FormatCSV, "username,name,pwhash\nalice,Alice,"+djangoScrypt+"\n", m)
	if row.PasswordHash != djangoScrypt || !row.Valid() {
		t.Errorf("got %q, errors %s", row.PasswordHash, row.Errors)
	}
}
