package authentiktest

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Hash makers for tests and demos: real hashes of known passwords, in the formats other
// systems export, so an import can be checked end to end with CheckPassword. Parameters are
// small to keep tests fast; they are not advice.

// MakeArgon2idPHC returns a PHC argon2id string ("$argon2id$v=19$m=…,t=…,p=…$salt$hash") as
// Kratos and argon2-cffi store them.
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

// MakeWerkzeugPBKDF2 returns a Werkzeug (Flask) hash "pbkdf2:sha256:<N>$salt$<hex>".
func MakeWerkzeugPBKDF2(password, salt string, iterations int) string {
	key, err := pbkdf2.Key(sha256.New, password, []byte(salt), iterations, sha256.Size)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("pbkdf2:sha256:%d$%s$%x", iterations, salt, key)
}

// MakePasslibPBKDF2 returns passlib's "$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>".
func MakePasslibPBKDF2(password string, salt []byte, rounds int) string {
	key, err := pbkdf2.Key(sha256.New, password, salt, rounds, sha256.Size)
	if err != nil {
		panic(err)
	}
	ab64 := func(b []byte) string { return strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(b), "+", ".") }
	return fmt.Sprintf("$pbkdf2-sha256$%d$%s$%s", rounds, ab64(salt), ab64(key))
}

// MakeKeycloakArgon2 returns a Keycloak 24+ argon2id credential as a realm export writes it:
// secretData and credentialData are JSON strings.
func MakeKeycloakArgon2(password string, salt []byte, memoryKiB, time uint32, threads uint8) string {
	key := argon2.IDKey([]byte(password), salt, time, memoryKiB, threads, 32)
	secret, _ := json.Marshal(map[string]any{"value": base64.StdEncoding.EncodeToString(key), "salt": base64.StdEncoding.EncodeToString(salt), "additionalParameters": map[string]any{}})
	data, _ := json.Marshal(map[string]any{"hashIterations": time, "algorithm": "argon2", "additionalParameters": map[string][]string{
		"hashLength": {"32"}, "memory": {fmt.Sprint(memoryKiB)}, "type": {"id"}, "version": {"1.3"}, "parallelism": {fmt.Sprint(threads)}}})
	cred, _ := json.Marshal(map[string]any{"type": "password", "createdDate": 1700000000000, "secretData": string(secret), "credentialData": string(data)})
	return string(cred)
}
