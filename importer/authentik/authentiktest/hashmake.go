package authentiktest

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Hash makers for tests and demos: real hashes of known passwords, in the formats other
// systems export, so an import can be checked end to end with CheckPassword. Parameters are
// small to keep tests fast; they are not advice.

// MakeArgon2idPHC returns a PHC argon2id string ("$argon2id$v=19$m=…,t=…,p=…$salt$hash") as
// Kratos, Keycloak 24+ and argon2-cffi store them.
func MakeArgon2idPHC(password, salt string, memoryKiB, time uint32, threads uint8) string {
	key := argon2.IDKey([]byte(password), []byte(salt), time, memoryKiB, threads, 32)
	b64 := base64.RawStdEncoding.EncodeToString
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", memoryKiB, time, threads, b64([]byte(salt)), b64(key))
}

// MakePBKDF2SHA256 returns a Django pbkdf2_sha256 hash ("pbkdf2_sha256$iterations$salt$hash").
func MakePBKDF2SHA256(password, salt string, iterations int) string {
	key, err := pbkdf2.Key(sha256.New, password, []byte(salt), iterations, sha256.Size)
	if err != nil {
		panic(err) // only in FIPS mode with a short salt: a bug in the caller
	}
	return fmt.Sprintf("pbkdf2_sha256$%d$%s$%s", iterations, salt, base64.StdEncoding.EncodeToString(key))
}

// MakeScrypt returns a Django scrypt hash ("scrypt$N$salt$r$p$hash").
func MakeScrypt(password, salt string, n, r, p int) string {
	key, err := scrypt.Key([]byte(password), []byte(salt), n, r, p, 64)
	if err != nil {
		panic(err) // bad parameters: a bug in the caller
	}
	return fmt.Sprintf("scrypt$%d$%s$%d$%d$%s", n, salt, r, p, base64.StdEncoding.EncodeToString(key))
}

// MakeBcrypt returns a raw bcrypt hash ("$2a$…") as many apps store them.
func MakeBcrypt(password string, cost int) string {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		panic(err)
	}
	return string(h)
}

// MakeBcryptSHA256 returns a Django bcrypt_sha256 hash.
func MakeBcryptSHA256(password string, cost int) string {
	sum := sha256.Sum256([]byte(password))
	h, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(sum[:])), cost)
	if err != nil {
		panic(err)
	}
	return "bcrypt_sha256$" + string(h)
}
