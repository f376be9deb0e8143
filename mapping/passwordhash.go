package mapping

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Password hashes (the password_hash column): accepted in Django's format for the hashers
// authentik enables (pbkdf2_sha256, pbkdf2_sha1, argon2, bcrypt_sha256, scrypt: F-H1),
// checked as Django's hasher would decode them, or converted from formats that carry the
// same algorithm (PHC argon2, passlib pbkdf2 with a text salt). Messages never quote the
// hash: it is a secret.

// hashError is why a password hash cannot be imported.
type hashError struct{ msg string }

func (e *hashError) Error() string { return e.msg }

func hashErrorf(format string, args ...any) error { return &hashError{fmt.Sprintf(format, args...)} }

// adviceRecovery is what to do with users whose hashes cannot be imported.
const adviceRecovery = "import these users without it and send them a recovery e-mail (--send-recovery-email)"

var (
	hexOnly      = regexp.MustCompile(`^[0-9a-fA-F]+$`)
	bcryptRaw    = regexp.MustCompile(`^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$`)
	bcryptPrefix = regexp.MustCompile(`^\$2[abxy]\$`)
)

// NormalizePasswordHash returns hash in the Django format authentik's set_password_hash
// takes, converting a PHC argon2 string or a passlib pbkdf2 string, or says why authentik
// could not verify it.
func NormalizePasswordHash(hash string) (string, error) {
	h := strings.TrimSpace(hash)
	switch {
	case h == "":
		return "", hashErrorf("%s", msgBlank)
	case strings.HasPrefix(h, "$argon2"):
		return argon2FromPHC(h)
	case bcryptPrefix.MatchString(h):
		return "", hashErrorf("a raw bcrypt hash ($2a$/$2b$/$2y$) cannot be imported: authentik does not enable Django's plain bcrypt hasher, and its bcrypt_sha256 hasher pre-hashes the password with SHA-256, so raw bcrypt cannot be converted to it; %s", adviceRecovery)
	case strings.HasPrefix(h, "$1$"), strings.HasPrefix(h, "$apr1$"):
		return "", hashErrorf("an md5-crypt hash ($1$) cannot be imported: authentik has no hasher for it; %s", adviceRecovery)
	case strings.HasPrefix(h, "$5$"), strings.HasPrefix(h, "$6$"):
		return "", hashErrorf("a sha-crypt hash ($5$/$6$) cannot be imported: authentik has no hasher for it; %s", adviceRecovery)
	case strings.HasPrefix(h, "$pbkdf2"):
		return pbkdf2FromPasslib(h)
	case strings.HasPrefix(h, "{"):
		return "", hashErrorf("an LDAP scheme ({SSHA}, {SHA}, {MD5}, …) or a Keycloak JSON credential cannot be imported: authentik has no hasher for LDAP schemes, and Keycloak's pbkdf2 salt is binary, which Django's pbkdf2 format (a text salt) cannot express; %s", adviceRecovery)
	case hexOnly.MatchString(h) && (len(h) == 32 || len(h) == 40 || len(h) == 64):
		name := map[int]string{32: "MD5", 40: "SHA-1", 64: "SHA-256"}[len(h)]
		return "", hashErrorf("an unsalted %s hash (%d hex digits) cannot be imported: authentik does not enable Django's unsalted hashers; %s", name, len(h), adviceRecovery)
	}
	algorithm, rest, ok := strings.Cut(h, "$")
	if !ok {
		return "", hashErrorf("not a password hash authentik can verify: want Django's format (pbkdf2_sha256$…, argon2$argon2id$…, bcrypt_sha256$…, scrypt$…) or a PHC argon2 string ($argon2id$v=19$…)")
	}
	switch algorithm {
	case "pbkdf2_sha256":
		return h, checkDjangoPBKDF2(rest, 32)
	case "pbkdf2_sha1":
		return h, checkDjangoPBKDF2(rest, 20)
	case "argon2":
		if _, err := argon2FromPHC("$" + rest); err != nil {
			return "", err
		}
		return h, nil
	case "bcrypt_sha256":
		if !bcryptRaw.MatchString(rest) {
			return "", hashErrorf("bcrypt_sha256: after the prefix Django expects a bcrypt string ($2b$<cost>$ and 53 characters)")
		}
		return h, nil
	case "scrypt":
		return h, checkDjangoScrypt(rest)
	case "bcrypt":
		return "", hashErrorf("Django's plain bcrypt hasher is not enabled in authentik, so a bcrypt$ hash cannot be verified; %s", adviceRecovery)
	case "md5", "sha1", "unsalted_md5", "unsalted_sha1", "crypt":
		return "", hashErrorf("Django's %s hasher is not enabled in authentik (it is weak); %s", algorithm, adviceRecovery)
	}
	return "", hashErrorf("unknown hash algorithm%s: authentik enables pbkdf2_sha256, pbkdf2_sha1, argon2, bcrypt_sha256 and scrypt", algorithmName(algorithm))
}

// argon2FromPHC checks a PHC argon2 string ($argon2id$v=19$m=…,t=…,p=…$salt$hash) as
// argon2-cffi decodes it and returns Django's form, "argon2" in front, padding removed.
func argon2FromPHC(phc string) (string, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" {
		return "", hashErrorf("argon2: want $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>")
	}
	switch parts[1] {
	case "argon2id", "argon2i", "argon2d":
	default:
		return "", hashErrorf("argon2: unknown variant; want argon2id, argon2i or argon2d")
	}
	if parts[2] != "v=19" {
		return "", hashErrorf("argon2: want version v=19 (the only one argon2 libraries write since 2016)")
	}
	var m, t, p int
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 || fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) != parts[3] || m < 8*p || t < 1 || p < 1 || p > 255 {
		return "", hashErrorf("argon2: want parameters m=<KiB>,t=<passes>,p=<lanes> in that order, with m at least 8×p")
	}
	for i, what := range map[int]string{4: "salt", 5: "hash"} {
		raw := strings.TrimRight(parts[i], "=")
		b, err := base64.RawStdEncoding.DecodeString(raw)
		if err != nil || len(b) < 4 {
			return "", hashErrorf("argon2: the %s is not base64", what)
		}
		parts[i] = raw
	}
	return "argon2" + strings.Join(parts, "$"), nil
}

// checkDjangoPBKDF2 checks "<iterations>$<salt>$<b64 hash>" as Django's PBKDF2 hasher
// decodes it: the salt is text, the hash the digest's size.
func checkDjangoPBKDF2(rest string, size int) error {
	parts := strings.SplitN(rest, "$", 3)
	if len(parts) != 3 {
		return hashErrorf("pbkdf2: want pbkdf2_sha256$<iterations>$<salt>$<hash>")
	}
	if n, err := strconv.Atoi(parts[0]); err != nil || n < 1 {
		return hashErrorf("pbkdf2: the iterations are not a positive number")
	}
	if err := checkTextSalt(parts[1]); err != nil {
		return err
	}
	if b, err := base64.StdEncoding.DecodeString(parts[2]); err != nil || len(b) != size {
		return hashErrorf("pbkdf2: the hash must be standard base64 of %d bytes", size)
	}
	return nil
}

// checkTextSalt refuses a salt Django's format cannot carry.
func checkTextSalt(salt string) error {
	if salt == "" {
		return hashErrorf("pbkdf2: the salt is empty")
	}
	if !utf8.ValidString(salt) || strings.ContainsFunc(salt, func(r rune) bool { return r == '$' || !unicode.IsPrint(r) }) {
		return hashErrorf("pbkdf2: the salt is binary (as Keycloak's): Django's pbkdf2 format takes a text salt, so this hash cannot be expressed; %s", adviceRecovery)
	}
	return nil
}

// checkDjangoScrypt checks "<N>$<salt>$<r>$<p>$<b64 hash>" (Django's 64-byte scrypt).
func checkDjangoScrypt(rest string) error {
	parts := strings.Split(rest, "$")
	if len(parts) != 5 {
		return hashErrorf("scrypt: want scrypt$<N>$<salt>$<r>$<p>$<hash>")
	}
	n, errN := strconv.Atoi(parts[0])
	r, errR := strconv.Atoi(parts[2])
	p, errP := strconv.Atoi(parts[3])
	if errors.Join(errN, errR, errP) != nil || n < 2 || n&(n-1) != 0 || r < 1 || p < 1 {
		return hashErrorf("scrypt: N must be a power of 2, r and p positive numbers")
	}
	if parts[1] == "" {
		return hashErrorf("scrypt: the salt is empty")
	}
	if b, err := base64.StdEncoding.DecodeString(parts[4]); err != nil || len(b) != 64 {
		return hashErrorf("scrypt: the hash must be standard base64 of 64 bytes")
	}
	return nil
}

// pbkdf2FromPasslib converts passlib's "$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>"
// when its salt is text; a binary salt cannot be expressed in Django's format.
func pbkdf2FromPasslib(h string) (string, error) {
	parts := strings.Split(h, "$")
	sizes := map[string]struct {
		django string
		size   int
	}{"pbkdf2-sha256": {"pbkdf2_sha256", 32}, "pbkdf2": {"pbkdf2_sha1", 20}}
	if len(parts) != 5 || parts[0] != "" {
		return "", hashErrorf("pbkdf2: want $pbkdf2-sha256$<rounds>$<salt>$<hash>")
	}
	kind, ok := sizes[parts[1]]
	if !ok {
		return "", hashErrorf("this pbkdf2%s cannot be imported: authentik enables pbkdf2 only with SHA-256 and SHA-1; %s", algorithmName(parts[1]), adviceRecovery)
	}
	ab64 := func(s string) ([]byte, error) {
		return base64.RawStdEncoding.DecodeString(strings.ReplaceAll(strings.TrimRight(s, "="), ".", "+"))
	}
	rounds, err := strconv.Atoi(parts[2])
	salt, errS := ab64(parts[3])
	sum, errH := ab64(parts[4])
	if err != nil || rounds < 1 || errS != nil || errH != nil {
		return "", hashErrorf("pbkdf2: want $pbkdf2-sha256$<rounds>$<salt>$<hash> with base64 salt and hash")
	}
	if len(sum) != kind.size {
		return "", hashErrorf("pbkdf2: a %d-byte key cannot be verified: Django's pbkdf2 uses the digest's size (%d bytes)", len(sum), kind.size)
	}
	if err := checkTextSalt(string(salt)); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s$%d$%s$%s", kind.django, rounds, salt, base64.StdEncoding.EncodeToString(sum)), nil
}

var algorithmLike = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// algorithmName quotes an algorithm's name for a message, " \"md5\"", only when it looks
// like one: whatever else precedes the first "$" may be part of the secret.
func algorithmName(s string) string {
	if algorithmLike.MatchString(s) {
		return fmt.Sprintf(" %q", s)
	}
	return ""
}

// msgPasswordAndHash refuses a row that gives both: which one should win is a guess.
const msgPasswordAndHash = "give either password or password_hash, not both"

// buildPasswordHash reads the password_hash value into row, checked and normalised.
func (a *assembler) buildPasswordHash(row *Row) {
	v := a.fields[fieldPasswordHash]
	switch v.kind {
	case kindAbsent, kindBad:
		return
	case kindNull:
		a.fail("password_hash", msgNull)
		return
	case kindJSON:
		a.fail("password_hash", msgNotString)
		return
	}
	if strings.TrimSpace(v.text) == "" {
		return // like an empty cell: nothing to set
	}
	hash, err := NormalizePasswordHash(v.text)
	if err != nil {
		a.fail("password_hash", err.Error())
		return
	}
	if p := a.fields[fieldPassword]; p.kind != kindAbsent && !p.isEmpty() {
		a.fail("password_hash", msgPasswordAndHash)
		return
	}
	row.PasswordHash = hash
}
