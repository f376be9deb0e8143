package mapping

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Password hashes (F-H1, F-H2): Django compares whole re-encoded strings and argon2's decoder
// is strict, so a hash is sent only as Django writes it: a non-canonical twin (padding, unused
// base64 bits, leading zeros) is rewritten with a warning, other systems' formats of the same
// algorithms converted, the rest refused. Messages never quote the cell: it is a secret.

// adviceRecovery ends every refusal: what the admin can do instead.
const adviceRecovery = "import the user without it and send a recovery e-mail (--send-recovery-email)"

// NormalizePasswordHash returns the cell as the Django hash authentik's set_password_hash
// takes, a warning when a non-canonical form was rewritten, or why it cannot be imported.
func NormalizePasswordHash(cell string) (hash, warning string, err error) {
	var fix hashFix
	hash, err = normalizeHash(strings.TrimSpace(cell), &fix)
	if err != nil {
		return "", "", fmt.Errorf("%w; %s", err, adviceRecovery)
	}
	if len(fix) > 0 {
		warning = "rewritten as Django writes it (" + strings.Join(fix, ", ") + "): as written, authentik could never verify it"
	}
	return hash, warning, nil
}

// refusedHashes name formats authentik has no hasher for, tried in order.
var refusedHashes = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`^!`), "an unusable password (Django's \"!\" mark): the user had no password"},
	{regexp.MustCompile(`(?i)^(\{[a-z-]+\})?\$2[abxy]?\$`), "a raw bcrypt hash cannot be imported: authentik does not enable Django's plain bcrypt hasher, and bcrypt_sha256 pre-hashes the password with SHA-256, so raw bcrypt cannot be converted to it"},
	{regexp.MustCompile(`(?i)^(\{[a-z-]+\})?\$(1|apr1|5|6|y|gy|7|md5|sha1|p|h)\$`), "a crypt(3) hash ($1$, $5$, $6$, yescrypt $y$) or phpass ($P$, WordPress) cannot be imported: authentik has no hasher for it"},
	{regexp.MustCompile(`(?i)^\{[a-z0-9._-]+\}`), "an LDAP or Spring scheme ({SSHA}, {SHA}, {MD5}, {CRYPT}, {PBKDF2…}, {bcrypt}, {noop}…) other than {ARGON2} cannot be imported: authentik has no hasher for it"},
	{regexp.MustCompile(`(?i)^([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$`), "an unsalted hex digest (MD5, SHA-1, SHA-256, SHA-512) cannot be imported: authentik does not enable Django's unsalted hashers"},
	{regexp.MustCompile(`^(bcrypt|md5|sha1|crypt|unsalted_md5|unsalted_sha1)\$`), "Django's plain bcrypt, md5, sha1, crypt and unsalted hashers are not enabled in authentik"},
	{regexp.MustCompile(`^\$`), "this $-prefixed format (crypt(3), passlib) cannot be imported: authentik has no hasher for it"},
}

func normalizeHash(h string, fix *hashFix) (string, error) {
	switch lower := strings.ToLower(h); {
	case h == "":
		return "", errors.New("the cell is blank")
	case h[0] == '{' && strings.HasPrefix(strings.TrimLeft(h[1:], " \t\r\n"), `"`):
		return fromKeycloak(h, fix)
	case strings.HasPrefix(lower, "{argon2}"):
		return argon2PHC(h[len("{argon2}"):], fix)
	case strings.HasPrefix(h, "$argon2"):
		return argon2PHC(h, fix)
	case strings.HasPrefix(h, "$pbkdf2"):
		return fromPasslib(h, fix)
	case strings.HasPrefix(h, "pbkdf2:"), strings.HasPrefix(h, "scrypt:"):
		return fromWerkzeug(h, fix)
	}
	for _, r := range refusedHashes {
		if r.re.MatchString(h) {
			return "", errors.New(r.why)
		}
	}
	algorithm, rest, _ := strings.Cut(h, "$")
	switch algorithm {
	case "pbkdf2_sha256", "pbkdf2_sha1":
		return djangoPBKDF2(algorithm, rest, fix)
	case "argon2":
		return argon2PHC("$"+rest, fix)
	case "bcrypt_sha256":
		return bcryptSHA256(rest, fix)
	case "scrypt":
		return djangoScrypt(rest, fix)
	}
	return "", errors.New("not a password hash format akimport knows: want Django's (pbkdf2_sha256$…, pbkdf2_sha1$…, argon2$…, bcrypt_sha256$…, scrypt$…), PHC $argon2id$…, passlib $pbkdf2-sha256$…, Werkzeug pbkdf2:sha256:…, or a Keycloak argon2 credential")
}

// hashFix lists what was rewritten to reach Django's form.
type hashFix []string

func (f *hashFix) add(what string) {
	if !slices.Contains(*f, what) {
		*f = append(*f, what)
	}
}

// number reads a decimal of at most max as Django's int() does, for "%d" to write back:
// a "+" or leading zeros are dropped.
func (f *hashFix) number(s string, max uint64) (uint64, bool) {
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 64)
	if err != nil || n > max {
		return 0, false
	}
	if strconv.FormatUint(n, 10) != s {
		f.add("leading zeros or + removed from a number")
	}
	return n, true
}

// b64 decodes s as lenient decoders do (padding optional, unused bits ignored) into minLen to
// maxLen bytes, and returns the canonical text in enc, Django's or argon2's.
func (f *hashFix) b64(s string, enc *base64.Encoding, minLen, maxLen int) (string, bool) {
	b, err := enc.WithPadding(base64.NoPadding).DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) < minLen || len(b) > maxLen {
		return "", false
	}
	canonical := enc.EncodeToString(b)
	if canonical != s {
		f.add("base64 padding or unused bits")
	}
	return canonical, true
}

// djangoPBKDF2 checks "<iterations>$<salt>$<b64 hash>" (Django's PBKDF2PasswordHasher):
// iterations up to Python's C int, a text salt, the hash the digest's size.
func djangoPBKDF2(algorithm, rest string, fix *hashFix) (string, error) {
	size := map[string]int{"pbkdf2_sha256": 32, "pbkdf2_sha1": 20}[algorithm]
	p := strings.Split(rest, "$")
	if len(p) != 3 {
		return "", fmt.Errorf("%s: want %s$<iterations>$<salt>$<hash>", algorithm, algorithm)
	}
	n, ok := fix.number(p[0], math.MaxInt32)
	if !ok || n < 1 {
		return "", fmt.Errorf("%s: the iterations must be a number from 1 to %d", algorithm, math.MaxInt32)
	}
	if err := checkTextSalt(p[1]); err != nil {
		return "", fmt.Errorf("%s: %w", algorithm, err)
	}
	sum, ok := fix.b64(p[2], base64.StdEncoding, size, size)
	if !ok {
		return "", fmt.Errorf("%s: the hash must be base64 of %d bytes", algorithm, size)
	}
	return fmt.Sprintf("%s$%d$%s$%s", algorithm, n, p[1], sum), nil
}

// checkTextSalt refuses a salt Django's formats cannot carry: it is text, encoded as UTF-8
// when hashing, and PostgreSQL text holds no NUL.
func checkTextSalt(salt string) error {
	if salt == "" {
		return errors.New("the salt is empty")
	}
	if !utf8.ValidString(salt) || strings.ContainsAny(salt, "$\x00") {
		return errors.New("the salt is binary (as Keycloak's pbkdf2 and passlib's are): Django's format takes a text salt, so this hash cannot be expressed")
	}
	return nil
}

// djangoScrypt checks "<N>$<salt>$<r>$<p>$<b64 hash>" (Django's ScryptPasswordHasher).
func djangoScrypt(rest string, fix *hashFix) (string, error) {
	p := strings.Split(rest, "$")
	if len(p) != 5 {
		return "", errors.New("scrypt: want scrypt$<N>$<salt>$<r>$<p>$<hash>")
	}
	n, okN := fix.number(p[0], 1<<62)
	r, okR := fix.number(p[2], 1<<62)
	q, okP := fix.number(p[3], 1<<62)
	if !okN || !okR || !okP || n < 2 || n&(n-1) != 0 || r < 1 || q < 1 {
		return "", errors.New("scrypt: N must be a power of 2 above 1, r and p positive numbers")
	}
	if !scryptFits(n, r, q) {
		return "", errors.New("scrypt: these N, r and p need more memory than the 32 MiB OpenSSL allows Django's scrypt (128·r·(N+p+2) bytes, N below 2^(16·r); N=16384 with r=8 is about the most), so authentik could never verify it")
	}
	if err := checkTextSalt(p[1]); err != nil {
		return "", fmt.Errorf("scrypt: %w", err)
	}
	sum, ok := fix.b64(p[4], base64.StdEncoding, 64, 64)
	if !ok {
		return "", errors.New("scrypt: the hash must be base64 of 64 bytes")
	}
	return fmt.Sprintf("scrypt$%d$%s$%d$%d$%s", n, p[1], r, q, sum), nil
}

// scryptFits applies OpenSSL's scrypt limits with Django's maxmem=0, a 32 MiB default (F-H2).
func scryptFits(n, r, p uint64) bool {
	if r < 4 && n >= 1<<(16*r) || max(n, r, p) > 1<<18 { // each alone above 2^18 exceeds 32 MiB
		return false
	}
	return 128*r*(n+2+p) <= 32<<20
}

// argon2PHC checks a PHC argon2 string as argon2's own decoder (which Django hands it to)
// reads it, and returns Django's form: "argon2" in front. Without "v=" it is argon2 1.0.
func argon2PHC(phc string, fix *hashFix) (string, error) {
	p := strings.Split(phc, "$")
	if len(p) == 5 {
		p = slices.Insert(p, 2, "")
	}
	if len(p) != 6 || p[0] != "" || !slices.Contains([]string{"argon2id", "argon2i", "argon2d"}, p[1]) {
		return "", errors.New("argon2: want $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash> (or argon2i, argon2d)")
	}
	if p[2] != "" {
		v, ok := strings.CutPrefix(p[2], "v=")
		n, okN := fix.number(v, 19)
		if !ok || !okN || n != 16 && n != 19 {
			return "", errors.New("argon2: the version must be v=19 (or v=16, argon2 1.0)")
		}
		p[2] = fmt.Sprintf("v=%d", n)
	}
	kv := strings.Split(p[3], ",")
	var n [3]uint64
	ok := len(kv) == 3
	for i, key := range []string{"m=", "t=", "p="} {
		if ok {
			v, found := strings.CutPrefix(kv[i], key)
			n[i], ok = fix.number(v, [3]uint64{1<<32 - 1, 1<<32 - 1, 1<<24 - 1}[i])
			ok = ok && found
		}
	}
	if m, t, lanes := n[0], n[1], n[2]; !ok || t < 1 || lanes < 1 || m < 8*lanes {
		return "", errors.New("argon2: want m=<KiB>,t=<passes>,p=<lanes> in that order, with t at least 1, p from 1 to 2^24-1 and m from 8·p to 2^32-1")
	}
	p[3] = fmt.Sprintf("m=%d,t=%d,p=%d", n[0], n[1], n[2])
	var okS, okH bool
	p[4], okS = fix.b64(p[4], base64.RawStdEncoding, 8, math.MaxInt32)
	p[5], okH = fix.b64(p[5], base64.RawStdEncoding, 4, math.MaxInt32)
	if !okS || !okH {
		return "", errors.New("argon2: the salt must be base64 of at least 8 bytes and the hash of at least 4")
	}
	if p[2] == "" {
		p = slices.Delete(p, 2, 3)
	}
	return "argon2" + strings.Join(p, "$"), nil
}

var bcryptBase64 = base64.NewEncoding("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").WithPadding(base64.NoPadding)

// bcryptSHA256 checks "$2b$<cost>$<22 salt><31 hash>" as Python's bcrypt reads it, which
// re-encodes the salt: versions 2a, 2b, 2y, cost 04 to 31.
func bcryptSHA256(rest string, fix *hashFix) (string, error) {
	p := strings.Split(rest, "$")
	if len(p) != 4 || p[0] != "" || len(p[3]) != 53 {
		return "", errors.New("bcrypt_sha256: want bcrypt_sha256$$2b$<cost>$ and 53 characters")
	}
	if len(p) == 4 && p[1] == "2x" { // crypt_blowfish's 8-bit bug cannot touch the hex input
		fix.add("bcrypt version 2x written as 2a")
		p[1] = "2a"
	}
	if p[1] != "2a" && p[1] != "2b" && p[1] != "2y" {
		return "", errors.New("bcrypt_sha256: only bcrypt versions 2a, 2b and 2y can be verified")
	}
	cost, err := strconv.ParseUint(p[2], 10, 8)
	if err != nil || cost < 4 || cost > 31 {
		return "", errors.New("bcrypt_sha256: the cost must be a number from 04 to 31")
	}
	if c := fmt.Sprintf("%02d", cost); c != p[2] {
		fix.add("the bcrypt cost written with two digits")
		p[2] = c
	}
	salt, okS := fix.b64(p[3][:22], bcryptBase64, 16, 16)
	sum, okH := fix.b64(p[3][22:], bcryptBase64, 23, 23)
	if !okS || !okH {
		return "", errors.New("bcrypt_sha256: the salt and hash must be bcrypt's base64")
	}
	return "bcrypt_sha256$$" + p[1] + "$" + p[2] + "$" + salt + sum, nil
}

// fromPasslib converts passlib's "$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>" (and
// $pbkdf2$, SHA-1) when its salt is text.
func fromPasslib(h string, fix *hashFix) (string, error) {
	p := strings.Split(h, "$")
	algorithm := map[string]string{"pbkdf2-sha256": "pbkdf2_sha256", "pbkdf2": "pbkdf2_sha1"}[p[1]]
	if len(p) != 5 || algorithm == "" {
		return "", errors.New("passlib pbkdf2: only $pbkdf2-sha256$ and $pbkdf2$ (SHA-1), with <rounds>$<salt>$<hash>, carry an algorithm authentik enables")
	}
	ab64 := func(s string) ([]byte, error) {
		return base64.RawStdEncoding.DecodeString(strings.ReplaceAll(strings.TrimRight(s, "="), ".", "+"))
	}
	salt, errS := ab64(p[3])
	sum, errH := ab64(p[4])
	if errS != nil || errH != nil {
		return "", errors.New("passlib pbkdf2: the salt and hash must be passlib's base64")
	}
	if err := checkTextSalt(string(salt)); err != nil {
		return "", fmt.Errorf("passlib pbkdf2: %w", err)
	}
	return djangoPBKDF2(algorithm, p[2]+"$"+string(salt)+"$"+base64.StdEncoding.EncodeToString(sum), fix)
}

// fromWerkzeug converts Werkzeug's "pbkdf2:sha256:<N>$<salt>$<hex>" (or sha1) and
// "scrypt:<N>:<r>:<p>$<salt>$<hex>".
func fromWerkzeug(h string, fix *hashFix) (string, error) {
	method, rest, _ := strings.Cut(h, "$")
	salt, digest, ok := strings.Cut(rest, "$")
	sum, err := hex.DecodeString(digest)
	if !ok || err != nil {
		return "", errors.New("a Werkzeug hash needs <method>$<salt>$<hex digest>")
	}
	b64 := base64.StdEncoding.EncodeToString(sum)
	switch a := strings.Split(method, ":"); {
	case len(a) == 3 && a[0] == "pbkdf2" && (a[1] == "sha256" || a[1] == "sha1"):
		return djangoPBKDF2("pbkdf2_"+a[1], a[2]+"$"+salt+"$"+b64, fix)
	case len(a) == 2 && a[0] == "pbkdf2":
		return "", errors.New("a Werkzeug pbkdf2 hash without its iterations: Werkzeug's default changed between versions; write the number yours used (pbkdf2:sha256:<iterations>$…)")
	case len(a) == 4 && a[0] == "scrypt":
		return djangoScrypt(a[1]+"$"+salt+"$"+a[2]+"$"+a[3]+"$"+b64, fix)
	}
	return "", errors.New("of Werkzeug's hashes only pbkdf2:sha256, pbkdf2:sha1 and scrypt carry an algorithm authentik enables")
}

// fromKeycloak converts a Keycloak 24+ argon2 credential as a realm export writes it
// (secretData and credentialData, each an object or a JSON string of one).
func fromKeycloak(h string, fix *hashFix) (string, error) {
	var cred struct {
		Value                      string
		SecretData, CredentialData json.RawMessage
	}
	var secret struct{ Value, Salt string }
	var data struct {
		Algorithm            string
		HashIterations       uint64
		AdditionalParameters map[string][]string
	}
	if json.Unmarshal([]byte(h), &cred) == nil && cred.Value != "" {
		return "", errors.New("a Keycloak pbkdf2 credential cannot be imported: its salt is binary, which Django's pbkdf2 format (a text salt) cannot carry")
	}
	if nested(cred.SecretData, &secret) != nil || nested(cred.CredentialData, &data) != nil {
		return "", errors.New(`a Keycloak credential needs {"secretData": …, "credentialData": …} as in a realm export`)
	}
	if data.Algorithm != "argon2" {
		return "", errors.New("only Keycloak's argon2 credentials can be imported: its pbkdf2 ones have a binary salt and a key longer than the digest, which Django's pbkdf2 format cannot express")
	}
	param := func(k string) string { return strings.Join(data.AdditionalParameters[k], ",") }
	variant := map[string]string{"id": "argon2id", "i": "argon2i", "d": "argon2d"}[param("type")]
	version := map[string]string{"1.3": "v=19", "1.0": "v=16"}[param("version")]
	salt, okS := new(hashFix).b64(secret.Salt, base64.RawStdEncoding, 0, math.MaxInt32)
	sum, okH := new(hashFix).b64(secret.Value, base64.RawStdEncoding, 0, math.MaxInt32)
	if variant == "" || version == "" || !okS || !okH {
		return "", errors.New("a Keycloak argon2 credential needs type id, i or d, version 1.3 or 1.0, and base64 salt and value")
	}
	return argon2PHC(fmt.Sprintf("$%s$%s$m=%s,t=%d,p=%s$%s$%s", variant, version, param("memory"), data.HashIterations, param("parallelism"), salt, sum), fix)
}

// nested decodes raw into v, unquoting it first when it is a JSON string.
func nested(raw json.RawMessage, v any) error {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	return json.Unmarshal(raw, v)
}

// msgPasswordAndHash refuses a row that gives both: which one should win is a guess.
const msgPasswordAndHash = "give either password or password_hash, not both"

// buildPasswordHash reads the password_hash value into row, checked and normalised.
func (a *assembler) buildPasswordHash(row *Row) {
	v := a.fields[fieldPasswordHash]
	if !a.present("password_hash", v) || strings.TrimSpace(v.text) == "" {
		return // a blank one is like an empty cell: nothing to set
	}
	if v.kind == kindJSON {
		a.fail("password_hash", msgNotString)
		return
	}
	hash, warning, err := NormalizePasswordHash(v.text)
	switch {
	case err != nil:
		a.fail("password_hash", err.Error())
	case !a.fields[fieldPassword].isEmpty():
		a.fail("password_hash", msgPasswordAndHash)
	default:
		if warning != "" {
			a.warnings = append(a.warnings, "password_hash: "+warning)
		}
		row.PasswordHash = hash
	}
}
