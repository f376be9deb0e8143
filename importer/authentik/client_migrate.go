package authentik

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// VersionInfo is GET /admin/version/ (F-V1).
type VersionInfo struct {
	VersionCurrent     string `json:"version_current"`
	VersionLatest      string `json:"version_latest"`
	VersionLatestValid bool   `json:"version_latest_valid"`
	BuildHash          string `json:"build_hash"`
	Outdated           bool   `json:"outdated"`
	OutpostOutdated    bool   `json:"outpost_outdated"`
}

// SessionUser is GET /core/users/me/ (F-V1): the token's user, as the self serializer
// writes it (its groups are objects, not the UUIDs of User.Groups).
type SessionUser struct {
	User struct {
		PK          int    `json:"pk"`
		Username    string `json:"username"`
		IsSuperuser bool   `json:"is_superuser"`
	} `json:"user"`
}

// EmailStage is one e-mail stage of GET /stages/email/ (F-R1).
type EmailStage struct {
	PK   string `json:"pk"`
	Name string `json:"name"`
}

// EmailStageList is one page of GET /stages/email/.
type EmailStageList struct {
	Pagination Pagination   `json:"pagination"`
	Results    []EmailStage `json:"results"`
}

// RecoveryEmailRequest is recovery_email's JSON body since 2026.2 (F-R1).
type RecoveryEmailRequest struct {
	EmailStage string `json:"email_stage"`
}

// Version reads the server's release (GET admin/version/, F-V1).
func (c *Client) Version(ctx context.Context) (Version, error) {
	const op, path = "read the authentik version", "admin/version/"
	a, err := c.do(ctx, request{op: op, method: http.MethodGet, path: path, ep: collection})
	if err != nil {
		return Version{}, err
	}
	var info VersionInfo
	if err := decodeJSON(op, c.base+path, a, &info); err != nil {
		return Version{}, err
	}
	v, err := ParseVersion(info.VersionCurrent)
	if err != nil {
		return Version{}, notAuthentik(op, c.base+path, a.status, err.Error())
	}
	return v, nil
}

// Me reads the token's user (GET core/users/me/, F-V1).
func (c *Client) Me(ctx context.Context) (*User, error) {
	const op, path = "read the token's user", "core/users/me/"
	a, err := c.do(ctx, request{op: op, method: http.MethodGet, path: path, ep: collection})
	if err != nil {
		return nil, err
	}
	var me SessionUser
	if err := decodeJSON(op, c.base+path, a, &me); err != nil {
		return nil, err
	}
	if me.User.Username == "" {
		return nil, notAuthentik(op, c.base+path, a.status, "it names no user")
	}
	return &User{PK: me.User.PK, Username: me.User.Username, IsSuperuser: me.User.IsSuperuser}, nil
}

// SetPasswordHash gives a user a password from a Django-format hash (F-H1, authentik
// 2026.5+). The hash never appears in an error.
func (c *Client) SetPasswordHash(ctx context.Context, pk int, hash string) error {
	_, err := c.do(ctx, request{
		op: "set password hash", method: http.MethodPost, path: userPath(pk) + "set_password_hash/",
		body: PasswordRequest{Password: hash}, ep: object, secret: hash,
	})
	return err
}

// SendRecoveryEmail has authentik e-mail the user a recovery link through the e-mail stage
// stagePK (F-R1), named in the query, or in a JSON body when inBody (2026.2+).
func (c *Client) SendRecoveryEmail(ctx context.Context, pk int, stagePK string, inBody bool) error {
	r := request{op: "send recovery e-mail", method: http.MethodPost, path: userPath(pk) + "recovery_email/", ep: object}
	if inBody {
		r.body = RecoveryEmailRequest{EmailStage: stagePK}
	} else {
		r.query = url.Values{"email_stage": {stagePK}}
	}
	_, err := c.do(ctx, r)
	return err
}

// FindEmailStage looks an e-mail stage up by exact name, or by pk when byPK (a UUID);
// found is false when there is none.
func (c *Client) FindEmailStage(ctx context.Context, nameOrPK string, byPK bool) (*EmailStage, bool, error) {
	q := url.Values{"name": {nameOrPK}}
	if byPK {
		q = url.Values{}
	}
	return findFirst(ctx, c, "find e-mail stage", "stages/email/", q, func(st EmailStage) bool {
		return (byPK && strings.EqualFold(st.PK, nameOrPK)) || (!byPK && st.Name == nameOrPK)
	})
}

// DeleteUser deletes a user for good (F-D1); a missing one is a KindNotFound error.
func (c *Client) DeleteUser(ctx context.Context, pk int) error {
	_, err := c.do(ctx, request{op: "delete user", method: http.MethodDelete, path: userPath(pk), ep: object})
	return err
}

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
