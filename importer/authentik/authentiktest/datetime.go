package authentiktest

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DRF's DateTimeField parses ISO 8601 with Django's parse_datetime: first Python 3.12's
// datetime.fromisoformat, then Django's own, more lenient pattern (F-U7). Naive values are
// in UTC (authentik's TIME_ZONE).
var (
	// fromisoformat: a date (extended or basic), optionally any one separator character and
	// a time (extended or basic, fraction with "." or ","), and an offset.
	isoFormatRe = regexp.MustCompile(`^(\d{4})-?(\d{2})-?(\d{2})` +
		`(?:.(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?` +
		`(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d+)?)?)?)?)?$`)
	// Django's datetime_re.
	djangoDateTimeRe = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})` +
		`(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$`)
)

const msgDateTimeFormat = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."

// parseDateTime parses s as authentik would and returns it as DRF renders it back.
func parseDateTime(s string) (string, bool) {
	for _, re := range []*regexp.Regexp{isoFormatRe, djangoDateTimeRe} {
		if m := re.FindStringSubmatch(s); m != nil {
			if t, ok := buildTime(m); ok {
				return formatDateTime(t), true
			}
		}
	}
	return "", false
}

// buildTime assembles year, month, day, hour, minute, second, fraction and offset.
func buildTime(m []string) (time.Time, bool) {
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	year, month, day := num(m[1]), num(m[2]), num(m[3])
	hour, minute, second := num(m[4]), num(m[5]), num(m[6])
	frac := m[7]
	if len(frac) > 6 {
		frac = frac[:6]
	}
	micro := 0
	if frac != "" {
		micro = num(frac + strings.Repeat("0", 6-len(frac)))
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() || year < 1 {
		return time.Time{}, false
	}
	loc, ok := offsetLocation(m[8])
	if !ok {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, micro*1000, loc), true
}

// offsetLocation turns "", "Z", "+HH", "+HHMM", "+HH:MM[:SS]" into a fixed zone.
func offsetLocation(tz string) (*time.Location, bool) {
	if tz == "" || tz == "Z" {
		return time.UTC, true
	}
	sign := 1
	if tz[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(tz[1:], ":", "")
	if i := strings.IndexByte(digits, '.'); i >= 0 {
		digits = digits[:i]
	}
	h, _ := strconv.Atoi(digits[:2])
	mins, secs := 0, 0
	if len(digits) >= 4 {
		mins, _ = strconv.Atoi(digits[2:4])
	}
	if len(digits) >= 6 {
		secs, _ = strconv.Atoi(digits[4:6])
	}
	if h > 23 || mins > 59 || secs > 59 {
		return nil, false
	}
	return time.FixedZone("", sign*(h*3600+mins*60+secs)), true
}

// formatDateTime is DRF's rendering: isoformat() in UTC with "+00:00" written "Z".
func formatDateTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() != 0 {
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05Z")
}
