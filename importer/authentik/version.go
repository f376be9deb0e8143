package authentik

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is an authentik release, e.g. 2026.5.1 (year.month.patch). Pre-release suffixes
// ("-rc1") are ignored: a release candidate has its release's features.
type Version struct {
	Year, Month, Patch int
}

// The first releases that changed what akimport may send or meet (facts F-H1, F-R1, F-S1).
var (
	VersionPasswordHash = Version{2026, 5, 0} // POST core/users/{pk}/set_password_hash/
	VersionRecoveryBody = Version{2026, 2, 0} // recovery_email's stage in a JSON body, not the query
	VersionStarting503  = Version{2026, 8, 0} // the router answers 503 while starting
)

// ParseVersion reads "2026.5.1" (the patch may be missing; "v" and a suffix after "-" or
// "+" are ignored).
func ParseVersion(s string) (Version, error) {
	text := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(text, "-+ "); i >= 0 {
		text = text[:i]
	}
	parts := strings.Split(text, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("authentik version %q: want year.month.patch, e.g. 2026.5.1", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("authentik version %q: want year.month.patch, e.g. 2026.5.1", s)
		}
		nums[i] = n
	}
	return Version{nums[0], nums[1], nums[2]}, nil
}

// AtLeast reports whether v is o or newer.
func (v Version) AtLeast(o Version) bool {
	if v.Year != o.Year {
		return v.Year > o.Year
	}
	if v.Month != o.Month {
		return v.Month > o.Month
	}
	return v.Patch >= o.Patch
}

// Release names the release line, e.g. "2026.5", for messages about features.
func (v Version) Release() string { return fmt.Sprintf("%d.%d", v.Year, v.Month) }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Year, v.Month, v.Patch) }
