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
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// djangoHash is a password hash as the hasher identify_hasher picks decodes it (what fails
// here, set_password_hash refuses: F-H1) with its verifier, which works as Django's does
// (F-H2): pbkdf2, scrypt and bcrypt_sha256 re-encode the password with the stored parameters
// and compare whole strings; argon2 goes through argon2's strict C decoder. So a hash may be
// accepted and never verify, as in authentik. authentik enables pbkdf2_sha256, pbkdf2_sha1,
// argon2, bcrypt_sha256 and scrypt, not plain bcrypt.
type djangoHash struct {
	algorithm string
	verify    func(password string) bool
	// weak is why the parameters are below Django's current defaults ("" when not), which
	// authentik 2026.8 refuses unless override=true (F-H1).
	weak string
}

// errUnknownHasher is an encoded string no enabled hasher claims.
var errUnknownHasher = errors.New("unknown password hashing algorithm")

// decodeDjangoHash decodes encoded as Django's hasher.decode would.
func decodeDjangoHash(encoded string) (djangoHash, error) {
	algorithm, rest, ok := strings.Cut(encoded, "$")
	if !ok {
		return djangoHash{}, errUnknownHasher
	}
	switch algorithm {
	case "pbkdf2_sha256":
		return decodePBKDF2(encoded, algorithm, rest, sha256.New, sha256.Size)
	case "pbkdf2_sha1":
		return decodePBKDF2(encoded, algorithm, rest, sha1.New, sha1.Size)
	case "argon2":
		return decodeArgon2(rest)
	case "bcrypt_sha256":
		return decodeBcryptSHA256(rest)
	case "scrypt":
		return decodeScrypt(encoded, rest)
	}
	return djangoHash{}, fmt.Errorf("%w %q", errUnknownHasher, algorithm)
}

// decodePBKDF2 reads "<iterations>$<salt>$<b64 hash>" (PBKDF2PasswordHasher.decode: int()).
func decodePBKDF2(encoded, algorithm, rest string, h func() hash.Hash, size int) (djangoHash, error) {
	parts := strings.SplitN(rest, "$", 3)
	if len(parts) != 3 {
		return djangoHash{}, errors.New("pbkdf2: want iterations$salt$hash")
	}
	n, ok := pyInt(parts[0])
	if !ok {
		return djangoHash{}, errors.New("pbkdf2: the iterations are not a number")
	}
	salt := parts[1]
	d := djangoHash{algorithm: algorithm, verify: func(password string) bool {
		if n < 1 || n > math.MaxInt32 || salt == "" { // hashlib raises; Django asserts a salt
			return false
		}
		return reencodes(encoded, fmt.Sprintf("%s$%d$%s$", algorithm, n, salt), size, func() ([]byte, error) {
			return pbkdf2.Key(h, password, []byte(salt), int(n), size)
		})
	}}
	if n < 600000/2 {
		d.weak = fmt.Sprintf("%d iterations", n)
	}
	return d, nil
}

// decodeScrypt reads "<N>$<salt>$<r>$<p>$<b64 hash>" (ScryptPasswordHasher, 64-byte key,
// hashlib.scrypt with maxmem=0).
func decodeScrypt(encoded, rest string) (djangoHash, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 5 {
		return djangoHash{}, errors.New("scrypt: want N$salt$r$p$hash")
	}
	n, okN := pyInt(parts[0])
	r, okR := pyInt(parts[2])
	p, okP := pyInt(parts[3])
	if !okN || !okR || !okP {
		return djangoHash{}, errors.New("scrypt: N, r and p must be numbers")
	}
	salt := parts[1]
	d := djangoHash{algorithm: "scrypt", verify: func(password string) bool {
		if n < 0 || r < 0 || p < 0 || !opensslScryptAllowed(uint64(n), uint64(r), uint64(p)) || salt == "" {
			return false
		}
		return reencodes(encoded, fmt.Sprintf("scrypt$%d$%s$%d$%d$", n, salt, r, p), 64, func() ([]byte, error) {
			return scrypt.Key([]byte(password), []byte(salt), int(n), int(r), int(p), 64)
		})
	}}
	if n < 1<<14 {
		d.weak = fmt.Sprintf("N=%d", n)
	}
	return d, nil
}

// opensslScryptAllowed is EVP_PBE_scrypt's parameter check with maxmem=0, which OpenSSL
// reads as 32 MiB (F-H2).
func opensslScryptAllowed(n, r, p uint64) bool {
	if n < 2 || n&(n-1) != 0 || r == 0 || p == 0 || r > 1<<30 || p > (1<<30-1)/r {
		return false
	}
	if 16*r <= 63 && n >= 1<<(16*r) {
		return false
	}
	if n+2 > math.MaxUint64/128/r {
		return false
	}
	return p*128*r+128*r*(n+2) <= 32<<20
}

// decodeBcryptSHA256 reads "$2b$<cost>$<data>" as BCryptSHA256PasswordHasher.decode does.
func decodeBcryptSHA256(rest string) (djangoHash, error) {
	parts := strings.SplitN(rest, "$", 4)
	if len(parts) != 4 {
		return djangoHash{}, errors.New("bcrypt_sha256: want $2b$cost$salt-and-hash")
	}
	cost, ok := pyInt(parts[2])
	if !ok {
		return djangoHash{}, errors.New("bcrypt_sha256: the cost is not a number")
	}
	d := djangoHash{algorithm: "bcrypt_sha256", verify: func(password string) bool {
		sum := sha256.Sum256([]byte(password))
		return pyBcryptSame(rest, hex.EncodeToString(sum[:]))
	}}
	if cost < 10 {
		d.weak = fmt.Sprintf("cost %d", cost)
	}
	return d, nil
}

var bcryptB64 = base64.NewEncoding("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").WithPadding(base64.NoPadding)

// pyBcryptSame reports whether Python's bcrypt.hashpw(password, stored) returns stored, as
// Django's verify asks: bcrypt 3.2 (OpenBSD's code) takes only 2a, 2b and 2y, a two-digit
// cost from 04 to 31, and writes the salt back canonically.
func pyBcryptSame(stored, password string) bool {
	if len(stored) != 60 || stored[0] != '$' || stored[1] != '2' || !strings.Contains("aby", stored[2:3]) || stored[3] != '$' || stored[6] != '$' {
		return false
	}
	cost, err := strconv.Atoi(stored[4:6])
	if err != nil || !isDigit(stored[4]) || cost < 4 || cost > 31 {
		return false
	}
	salt, err := bcryptB64.DecodeString(stored[7:29])
	if err != nil || bcryptB64.EncodeToString(salt) != stored[7:29] {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte("$2b"+stored[3:]), []byte(password)) == nil
}

// decodeArgon2 reads "$argon2id$…" as Argon2PasswordHasher.decode does: argon2-cffi's
// extract_parameters (Python's split and int()), then the salt with padding added.
func decodeArgon2(rest string) (djangoHash, error) {
	bad := errors.New("argon2: want argon2id, argon2i or argon2d $v=19$m=…,t=…,p=…$salt$hash")
	parts := strings.Split("$"+rest, "$")
	if len(parts) == 5 {
		parts = slices.Insert(parts, 2, "v=18")
	}
	if len(parts) != 6 || parts[0] != "" || !slices.Contains([]string{"argon2id", "argon2i", "argon2d"}, parts[1]) {
		return djangoHash{}, bad
	}
	kvs := map[string]int64{}
	for _, kv := range append([]string{parts[2]}, strings.Split(parts[3], ",")...) {
		k, v, ok := strings.Cut(kv, "=")
		n, okN := pyInt(v)
		if !ok || strings.Contains(v, "=") || !okN {
			return djangoHash{}, bad
		}
		kvs[k] = n
	}
	if !slices.Equal(slices.Sorted(maps.Keys(kvs)), []string{"m", "p", "t", "v"}) {
		return djangoHash{}, bad
	}
	if n := len(strings.Trim(parts[4], "=")); n%4 == 1 { // b64decode: incorrect padding
		return djangoHash{}, bad
	}
	d := djangoHash{algorithm: "argon2", verify: func(password string) bool { return argon2Verify("$"+rest, password) }}
	if kvs["m"] < 19456 {
		d.weak = fmt.Sprintf("m=%d KiB", kvs["m"])
	}
	return d, nil
}

// argon2MaxKiB caps the memory the simulator spends on one hash; past it, as when
// authentik's server cannot allocate, the password does not verify.
const argon2MaxKiB = 1 << 20

// argon2Verify is argon2-cffi's PasswordHasher.verify: the type from the first 9 bytes, then
// argon2's C decoder (decimals without leading zeros, unpadded base64 without unused bits,
// no v= meaning version 0x10) and a compare of the raw hash.
func argon2Verify(phc, password string) bool {
	typ := slices.Index([]string{"$argon2d$", "$argon2i$", "$argon2id"}, phc[:min(9, len(phc))])
	if typ < 0 {
		return false
	}
	s := strings.TrimPrefix(phc, "$"+[]string{"argon2d", "argon2i", "argon2id"}[typ])
	version, ok := uint32(0x10), true
	if v, found := strings.CutPrefix(s, "$v="); found {
		version, s, ok = cDecimal(v)
	}
	var n [3]uint32
	for i, key := range []string{"$m=", ",t=", ",p="} {
		var found bool
		if s, found = strings.CutPrefix(s, key); !found || !ok {
			return false
		}
		n[i], s, ok = cDecimal(s)
	}
	var salt, want []byte
	for _, out := range []*[]byte{&salt, &want} {
		var found bool
		if s, found = strings.CutPrefix(s, "$"); !found || !ok {
			return false
		}
		end := strings.IndexFunc(s, func(r rune) bool {
			return !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", r)
		})
		if end < 0 {
			end = len(s)
		}
		var err error
		*out, err = base64.RawStdEncoding.Strict().DecodeString(s[:end])
		s, ok = s[end:], err == nil
	}
	m, t, lanes := n[0], n[1], n[2]
	if !ok || s != "" || len(want) < 4 || len(salt) < 8 || t < 1 || lanes < 1 || lanes > 1<<24-1 || uint64(m) < 8*uint64(lanes) || m > argon2MaxKiB {
		return false
	}
	var got []byte
	switch {
	case version != 0x13 || typ == 0 || lanes > 255:
		got = argon2Key(uint32(typ), version, []byte(password), salt, t, m, lanes, uint32(len(want)))
	case typ == 1:
		got = argon2.Key([]byte(password), salt, t, m, uint8(lanes), uint32(len(want)))
	default:
		got = argon2.IDKey([]byte(password), salt, t, m, uint8(lanes), uint32(len(want)))
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

// cDecimal is argon2's decode_decimal read into a uint32: digits, no leading zero.
func cDecimal(s string) (uint32, string, bool) {
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s)
	}
	n, err := strconv.ParseUint(s[:end], 10, 32)
	return uint32(n), s[end:], err == nil && (s[0] != '0' || end == 1)
}

// pyInt is Python's int() of a str: white space around, one sign, digits with single
// underscores between them. A number beyond int64 reads as math.MaxInt64.
func pyInt(s string) (int64, bool) {
	s = pyStrip(s)
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || digits[0] == '_' || strings.HasSuffix(digits, "_") || strings.Contains(digits, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(digits, "_", ""), 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return math.MaxInt64, true
	}
	if s[0] == '-' {
		n = -n
	}
	return n, err == nil
}

// reencodes reports whether encoded is prefix and the base64 of key(), the string Django's
// verify writes and compares; text Django would never write fails before key is computed.
func reencodes(encoded, prefix string, size int, key func() ([]byte, error)) bool {
	text, ok := strings.CutPrefix(encoded, prefix)
	want, err := base64.StdEncoding.DecodeString(text)
	if !ok || err != nil || len(want) != size || base64.StdEncoding.EncodeToString(want) != text {
		return false
	}
	got, err := key()
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
