package authentiktest

import (
	"net/netip"
	"regexp"
	"strings"
)

// Django 5.0's EmailValidator, which authentik's email field uses (F-U5). Python's
// "(?<!-)" look-behind is rewritten as "a last character that is not a hyphen".
var (
	emailUserRe = regexp.MustCompile(`(?i)(^[-!#$%&'*+/=?^_` + "`" + `{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_` + "`" + `{}|~0-9A-Z]+)*\z` +
		`|^"([\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*"\z)`)
	emailDomainRe  = regexp.MustCompile(`(?i)^((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{1,62}[A-Z0-9])\z`)
	emailLiteralRe = regexp.MustCompile(`(?i)^\[([A-F0-9:.]+)\]\z`)
)

// validEmail reports whether Django's EmailValidator accepts value.
func validEmail(value string) bool {
	if value == "" || !strings.Contains(value, "@") || len([]rune(value)) > 320 {
		return false
	}
	at := strings.LastIndexByte(value, '@')
	user, domain := value[:at], value[at+1:]
	if !emailUserRe.MatchString(user) {
		return false
	}
	if domain == "localhost" || validEmailDomain(domain) {
		return true
	}
	// Django retries an internationalised domain in its punycode form.
	ascii, ok := idnaToASCII(domain)
	return ok && validEmailDomain(ascii)
}

func validEmailDomain(domain string) bool {
	if emailDomainRe.MatchString(domain) {
		return true
	}
	m := emailLiteralRe.FindStringSubmatch(domain)
	if m == nil {
		return false
	}
	_, err := netip.ParseAddr(m[1])
	return err == nil
}

// idnaToASCII approximates Python's "idna" codec: each label lower-cased and, when not ASCII,
// punycoded with the "xn--" prefix; an empty or over-long label is an error.
func idnaToASCII(domain string) (string, bool) {
	labels := strings.Split(domain, ".")
	for i, label := range labels {
		if label == "" && i == len(labels)-1 && i > 0 {
			continue // a trailing dot
		}
		label = strings.ToLower(label)
		if !isASCII(label) {
			label = "xn--" + punycode(label)
		}
		if label == "" || len(label) > 63 {
			return "", false
		}
		labels[i] = label
	}
	return strings.Join(labels, "."), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// punycode encodes a label as RFC 3492 describes.
func punycode(label string) string {
	const (
		base, tMin, tMax = 36, 1, 26
		initialBias      = 72
		initialN         = 128
	)
	runes := []rune(label)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	basic := len(out)
	handled := basic
	if basic > 0 {
		out = append(out, '-')
	}
	n, delta, bias := initialN, 0, initialBias
	for handled < len(runes) {
		m := int(^uint(0) >> 1)
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (handled + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := base; ; k += base {
				t := min(max(k-bias, tMin), tMax)
				if q < t {
					break
				}
				out = append(out, punyDigit(t+(q-t)%(base-t)))
				q = (q - t) / (base - t)
			}
			out = append(out, punyDigit(q))
			bias = punyAdapt(delta, handled+1, handled == basic)
			delta = 0
			handled++
		}
		delta++
		n++
	}
	return string(out)
}

func punyDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func punyAdapt(delta, numPoints int, first bool) int {
	const base, tMin, tMax, skew, damp = 36, 1, 26, 38, 700
	if first {
		delta /= damp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((base-tMin)*tMax)/2 {
		delta /= base - tMin
		k += base
	}
	return k + (base-tMin+1)*delta/(delta+skew)
}
