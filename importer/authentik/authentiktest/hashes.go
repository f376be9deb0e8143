package authentiktest

import (
	"crypto/pbkdf2"
	"crypto/sha1" //nolint:gosec // Django's pbkdf2_sha1 hasher, which authentik enables (F-H1)
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// djangoHash is a password hash in Django's format, decoded as the hasher that
// identify_hasher picks would decode it. authentik enables Django's default hashers:
// pbkdf2_sha256, pbkdf2_sha1, argon2, bcrypt_sha256, scrypt, and not plain bcrypt (F-H1).
type djangoHash struct {
	algorithm string
	verify    func(password string) bool
	// weak is why the parameters are below Django's current defaults ("" when not), which
	// authentik 2026.8 refuses unless override=true (F-H1).
	weak string
}

// errUnknownHasher is an encoded string no enabled hasher claims.
var errUnknownHasher = errors.New("unknown password hashing algorithm")

// decodeDjangoHash checks encoded's structure and returns its verifier.
func decodeDjangoHash(encoded string) (djangoHash, error) {
	algorithm, rest, ok := strings.Cut(encoded, "$")
	if !ok {
		return djangoHash{}, errUnknownHasher
	}
	switch algorithm {
	case "pbkdf2_sha256":
		return decodePBKDF2(algorithm, rest, sha256.New, sha256.Size, 600000)
	case "pbkdf2_sha1":
		return decodePBKDF2(algorithm, rest, sha1.New, sha1.Size, 600000)
	case "argon2":
		return decodeArgon2(rest)
	case "bcrypt_sha256":
		return decodeBcryptSHA256(rest)
	case "scrypt":
		return decodeScrypt(rest)
	}
	return djangoHash{}, fmt.Errorf("%w %q", errUnknownHasher, algorithm)
}

// decodePBKDF2 reads "<iterations>$<salt>$<b64 hash>" (Django's PBKDF2PasswordHasher).
func decodePBKDF2(algorithm, rest string, h func() hash.Hash, size, defaultIterations int) (djangoHash, error) {
	parts := strings.SplitN(rest, "$", 3)
	if len(parts) != 3 {
		return djangoHash{}, errors.New("pbkdf2: want iterations$salt$hash")
	}
	iterations, err := strconv.Atoi(parts[0])
	if err != nil || iterations < 1 {
		return djangoHash{}, errors.New("pbkdf2: the iterations are not a positive number")
	}
	salt := parts[1]
	want, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(want) != size || salt == "" {
		return djangoHash{}, errors.New("pbkdf2: the salt is empty or the hash is not base64 of the digest's size")
	}
	d := djangoHash{algorithm: algorithm, verify: func(password string) bool {
		got, err := pbkdf2.Key(h, password, []byte(salt), iterations, size)
		return err == nil && subtle.ConstantTimeCompare(got, want) == 1
	}}
	if iterations < defaultIterations/2 {
		d.weak = fmt.Sprintf("%d iterations", iterations)
	}
	return d, nil
}

// decodeArgon2 reads "argon2" followed by an argon2-cffi string:
// "$argon2id$v=19$m=…,t=…,p=…$<b64 salt>$<b64 hash>" (unpadded base64).
func decodeArgon2(rest string) (djangoHash, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 5 || parts[0] != "argon2id" && parts[0] != "argon2i" {
		return djangoHash{}, errors.New("argon2: want argon2id or argon2i $v=19$m=…,t=…,p=…$salt$hash")
	}
	variant := parts[0]
	if parts[1] != "v=19" {
		return djangoHash{}, errors.New("argon2: only version 19 is supported")
	}
	var m, t, p uint64
	if _, err := fmt.Sscanf(parts[2], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || p > 255 || m > 1<<22 {
		return djangoHash{}, errors.New("argon2: bad parameters")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[3])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[4])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 4 {
		return djangoHash{}, errors.New("argon2: the salt or hash is not base64")
	}
	d := djangoHash{algorithm: "argon2", verify: func(password string) bool {
		var got []byte
		if variant == "argon2id" {
			got = argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
		} else {
			got = argon2.Key([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
		}
		return subtle.ConstantTimeCompare(got, want) == 1
	}}
	if m < 19456 {
		d.weak = fmt.Sprintf("m=%d KiB", m)
	}
	return d, nil
}

// decodeBcryptSHA256 reads "$2b$<cost>$<salt+hash>": bcrypt of the hex SHA-256 of the
// password (Django's BCryptSHA256PasswordHasher).
func decodeBcryptSHA256(rest string) (djangoHash, error) {
	cost, err := bcrypt.Cost([]byte(rest))
	if err != nil {
		return djangoHash{}, fmt.Errorf("bcrypt_sha256: %w", err)
	}
	d := djangoHash{algorithm: "bcrypt_sha256", verify: func(password string) bool {
		sum := sha256.Sum256([]byte(password))
		return bcrypt.CompareHashAndPassword([]byte(rest), []byte(hex.EncodeToString(sum[:]))) == nil
	}}
	if cost < 10 {
		d.weak = fmt.Sprintf("cost %d", cost)
	}
	return d, nil
}

// decodeScrypt reads "<N>$<salt>$<r>$<p>$<b64 hash>" (Django's ScryptPasswordHasher, 64-byte key).
func decodeScrypt(rest string) (djangoHash, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 5 {
		return djangoHash{}, errors.New("scrypt: want N$salt$r$p$hash")
	}
	n, err1 := strconv.Atoi(parts[0])
	r, err2 := strconv.Atoi(parts[2])
	p, err3 := strconv.Atoi(parts[3])
	want, err4 := base64.StdEncoding.DecodeString(parts[4])
	salt := parts[1]
	if err := errors.Join(err1, err2, err3, err4); err != nil || n < 2 || n&(n-1) != 0 || r < 1 || p < 1 || salt == "" || len(want) != 64 {
		return djangoHash{}, errors.New("scrypt: bad parameters, salt or hash")
	}
	d := djangoHash{algorithm: "scrypt", verify: func(password string) bool {
		got, err := scrypt.Key([]byte(password), []byte(salt), n, r, p, len(want))
		return err == nil && subtle.ConstantTimeCompare(got, want) == 1
	}}
	if n < 1<<14 {
		d.weak = fmt.Sprintf("N=%d", n)
	}
	return d, nil
}
