package authentiktest

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/akimport/akimport/internal/djangotest"
)

// The simulator decodes (set_password_hash's 400) and verifies (CheckPassword) every hash as
// Django does: hashes made by Django, argon2-cffi and passlib, and variants of each that
// probe Django's rules (padding, unused bits, leading zeros, signs, versions, limits), are
// put to both and the answers compared.
func TestHashesAsDjango(t *testing.T) {
	djangotest.Require(t)
	const password, wrong = "pässwörd-1", "pässwörd-2"
	var bases []string
	for name, h := range djangotest.Make(t, password) {
		switch {
		case strings.Contains(name, "r=52428"): // 32 MiB of work for each variant: TestHashesInDjango has it
		case strings.HasPrefix(name, "django "), strings.HasPrefix(name, "passlib django_"):
			bases = append(bases, h)
		case strings.HasPrefix(h, "$argon2"):
			bases = append(bases, "argon2"+h)
		}
	}
	bases = append(bases, MakePBKDF2SHA256(password, "salt-1234", 1000), MakeBcryptSHA256(password, 4),
		MakeScrypt(password, "salt", 1024, 8, 1), "argon2"+MakeArgon2idPHC(password, "saltsalt", 64, 1, 1),
		"scrypt$32768$salt$8$1$"+strings.Repeat("A", 86)+"==", "scrypt$2$salt$52429$1$"+strings.Repeat("A", 86)+"==")
	slices.Sort(bases)
	var hashes []string
	seen := map[string]bool{}
	for _, b := range bases {
		for _, v := range append([]string{b}, hashVariants(b)...) {
			if !seen[v] {
				seen[v] = true
				hashes = append(hashes, v)
			}
		}
	}
	var checks []djangotest.Check
	for _, h := range hashes {
		checks = append(checks, djangotest.Check{Hash: h, Password: password}, djangotest.Check{Hash: h, Password: wrong})
	}
	verdicts := djangotest.Verify(t, checks)
	decoded := djangotest.Decode(t, hashes)
	verified := 0
	for i, h := range hashes {
		d, err := decodeDjangoHash(h)
		if (err == nil) != decoded[i].OK {
			t.Errorf("%s: the simulator decodes it: %v; Django: %s", h, err == nil, decoded[i])
		}
		for k, pw := range []string{password, wrong} {
			got, want := err == nil && d.verify(pw), verdicts[2*i+k].OK
			if got != want {
				t.Errorf("%s with the %s password: the simulator says %v, Django %s", h, []string{"right", "wrong"}[k], got, verdicts[2*i+k])
			}
			if got && k == 0 {
				verified++
			}
		}
	}
	t.Logf("%d hashes (%d verify in Django) put to the simulator and to Django", len(hashes), verified)
}

var (
	firstNumber = regexp.MustCompile(`\$(\d+)\$`)
	argonM      = regexp.MustCompile(`m=(\d+)`)
)

// hashVariants are forms of h that Django reads differently from h, or not at all.
func hashVariants(h string) []string {
	var out []string
	add := func(s string) {
		if s != h {
			out = append(out, s)
		}
	}
	add(strings.TrimRight(h, "="))
	add(h + "=")
	if i := len(strings.TrimRight(h, "=")) - 1; i > 0 {
		for _, alphabet := range []string{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"} {
			if k := strings.IndexByte(alphabet, h[i]); k >= 0 && k+1 < len(alphabet) {
				add(h[:i] + alphabet[k+1:k+2] + h[i+1:])
			}
		}
	}
	for _, form := range []string{"$0$1$", "$+$1$", "$ $1$", "$-$1$", "$0$"} {
		add(firstNumber.ReplaceAllString(h, strings.ReplaceAll(form, "$1", "${1}")))
	}
	if n := firstNumber.FindStringSubmatch(h); n != nil && len(n[1]) > 1 {
		add(strings.Replace(h, n[0], "$"+n[1][:1]+"_"+n[1][1:]+"$", 1))
	}
	if strings.HasPrefix(h, "argon2$") {
		add(strings.Replace(h, "$v=19$", "$", 1))
		add(strings.Replace(h, "$v=19$", "$v=019$", 1))
		add(strings.Replace(h, "$v=19$", "$v=16$", 1))
		add(argonM.ReplaceAllString(h, "m=0$1"))
		add(argonM.ReplaceAllString(h, "m= $1"))
	}
	if strings.HasPrefix(h, "bcrypt_sha256$") {
		for _, v := range []string{"$2a$", "$2x$", "$2y$", "$2c$"} {
			add(strings.Replace(h, h[14:18], v, 1))
		}
		add(strings.Replace(h, "$04$", "$4$", 1))
	}
	return out
}
