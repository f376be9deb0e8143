package authentiktest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/akimport/akimport/importer/authentik"
)

// userRecord is a stored user. Its slices and maps are replaced, never changed in place, so
// a copy of the User taken under the lock can be encoded after it is released.
type userRecord struct {
	user        authentik.User // GroupsObj is unused: it is rendered from groups
	password    string
	hasPassword bool
	// passwordHash is the Django hash set with set_password_hash (F-H1).
	passwordHash string
}

// store holds the users behind one mutex that is never held while sleeping.
type store struct {
	installID string

	mu       sync.Mutex
	byPK     map[int]*userRecord
	byName   map[string]*userRecord // the unique index, case-sensitive (F-U3)
	sorted   []*userRecord          // by username, as lists are ordered (F-L1)
	creating map[string]int         // usernames whose create is in progress (F-U13)
	created  map[string]int         // successful creates by username
	posts    map[string]int         // create requests that reached the serializer, by username
	nextPK   int
}

func newStore(installID string) *store {
	return &store{
		installID: installID,
		byPK:      map[int]*userRecord{},
		byName:    map[string]*userRecord{},
		creating:  map[string]int{},
		created:   map[string]int{},
		posts:     map[string]int{},
		nextPK:    1,
	}
}

// reservation is the outcome of beginCreate.
type reservation int

const (
	reserved reservation = iota // the username is free and now being created
	taken                       // the username exists: 400 "This field must be unique."
	racing                      // another create of the username is in progress: 500
)

// beginCreate checks the username's uniqueness as DRF's UniqueValidator does and, when it
// is free, marks a create of it in progress until finishCreate.
func (st *store) beginCreate(username string) reservation {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.byName[username]; ok {
		return taken
	}
	st.creating[username]++
	if st.creating[username] > 1 {
		return racing
	}
	return reserved
}

// endCreate ends a create that beginCreate marked, with or without inserting.
func (st *store) endCreate(username string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.endCreateLocked(username)
}

func (st *store) endCreateLocked(username string) {
	if st.creating[username]--; st.creating[username] <= 0 {
		delete(st.creating, username)
	}
}

// finishCreate inserts u, which beginCreate reserved, giving it its pk and uid. It fails,
// like the database's unique constraint, when the username was taken meanwhile.
func (st *store) finishCreate(u authentik.User) (authentik.User, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.endCreateLocked(u.Username)
	if _, ok := st.byName[u.Username]; ok {
		return authentik.User{}, false
	}
	st.insertLocked(&userRecord{user: u})
	st.created[u.Username]++
	return st.byName[u.Username].user, true
}

// seed inserts a user before serving; its pk is kept when set.
func (st *store) seed(rec *userRecord) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.byName[rec.user.Username]; ok {
		return fmt.Errorf("username %q is given twice", rec.user.Username)
	}
	if _, ok := st.byPK[rec.user.PK]; ok && rec.user.PK != 0 {
		return fmt.Errorf("pk %d is given twice", rec.user.PK)
	}
	st.insertLocked(rec)
	return nil
}

func (st *store) insertLocked(rec *userRecord) {
	if rec.user.PK == 0 {
		rec.user.PK = st.nextPK
	}
	st.nextPK = max(st.nextPK, rec.user.PK+1)
	rec.user.UID = st.uid(rec.user.PK)
	st.byPK[rec.user.PK] = rec
	st.byName[rec.user.Username] = rec
	i, _ := slices.BinarySearchFunc(st.sorted, rec.user.Username, compareUsername)
	st.sorted = slices.Insert(st.sorted, i, rec)
}

func compareUsername(rec *userRecord, username string) int {
	return strings.Compare(rec.user.Username, username)
}

// uid is authentik's User.uid: a sha256 of the pk and the installation's id.
func (st *store) uid(pk int) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(pk) + "-" + st.installID))
	return hex.EncodeToString(sum[:])
}

// get returns the user with pk.
func (st *store) get(pk int) (authentik.User, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.byPK[pk]
	if !ok {
		return authentik.User{}, false
	}
	return rec.user, true
}

// patchResult is the outcome of patch.
type patchResult int

const (
	patched patchResult = iota
	patchNotFound
	patchTaken // the new username belongs to another user
)

// patch applies in to the user with pk (F-L2), keeping the username index and order right.
func (st *store) patch(pk int, in userInput, avatar func(authentik.User) string) (authentik.User, patchResult) {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.byPK[pk]
	if !ok {
		return authentik.User{}, patchNotFound
	}
	rename := in.Username != nil && *in.Username != rec.user.Username
	if rename {
		if _, exists := st.byName[*in.Username]; exists || st.creating[*in.Username] > 0 {
			return authentik.User{}, patchTaken
		}
		st.removeLocked(rec)
	}
	in.apply(&rec.user)
	rec.user.Avatar = avatar(rec.user)
	if rename {
		st.insertLocked(rec)
	}
	return rec.user, patched
}

func (st *store) removeLocked(rec *userRecord) {
	delete(st.byName, rec.user.Username)
	if i, found := slices.BinarySearchFunc(st.sorted, rec.user.Username, compareUsername); found {
		st.sorted = slices.Delete(st.sorted, i, i+1)
	}
}

// setPassword stores the password of the user with pk (F-L3).
func (st *store) setPassword(pk int, password string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.byPK[pk]
	if ok {
		rec.password, rec.hasPassword, rec.passwordHash = password, true, ""
	}
	return ok
}

// list returns one page of the users that keep passes, in order (nil: by username), and how
// many match. With an exact username only the index is looked at.
func (st *store) list(order userOrder, exactUsername string, keep func(*authentik.User) bool, page func(count int) (offset, limit int, ok bool)) ([]authentik.User, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var matches []*userRecord
	if exactUsername != "" {
		if rec, ok := st.byName[exactUsername]; ok && keep(&rec.user) {
			matches = append(matches, rec)
		}
	} else {
		for _, rec := range st.sorted {
			if keep(&rec.user) {
				matches = append(matches, rec)
			}
		}
	}
	if order != nil {
		slices.SortStableFunc(matches, func(a, b *userRecord) int { return order(&a.user, &b.user) })
	}
	offset, limit, ok := page(len(matches))
	if !ok {
		return nil, false
	}
	users := make([]authentik.User, 0, limit)
	for _, rec := range matches[offset : offset+limit] {
		users = append(users, rec.user)
	}
	return users, true
}

// members returns, for each group in pks, its members in pk order.
func (st *store) members(pks map[string]bool) map[string][]groupMember {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string][]groupMember{}
	for _, rec := range st.sorted {
		for _, g := range rec.user.Groups {
			if pks[g] {
				u := rec.user
				out[g] = append(out[g], groupMember{PK: u.PK, Username: u.Username, Name: u.Name,
					IsActive: u.IsActive, LastLogin: u.LastLogin, Email: u.Email, Attributes: u.Attributes, UID: u.UID})
			}
		}
	}
	for _, ms := range out {
		slices.SortFunc(ms, func(a, b groupMember) int { return a.PK - b.PK })
	}
	return out
}

// snapshot returns every user in username order.
func (st *store) snapshot() []authentik.User {
	st.mu.Lock()
	defer st.mu.Unlock()
	users := make([]authentik.User, len(st.sorted))
	for i, rec := range st.sorted {
		users[i] = rec.user
	}
	return users
}

func (st *store) byUsername(username string) (userRecord, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.byName[username]
	if !ok {
		return userRecord{}, false
	}
	return *rec, true
}

// notePost counts a create request for username that reached authentik's serializer.
func (st *store) notePost(username string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.posts[username]++
}

func (st *store) postCount(username string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.posts[username]
}

func (st *store) createCount(username string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.created[username]
}

func (st *store) count() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byPK)
}

// apply copies the fields that were sent onto u.
func (in userInput) apply(u *authentik.User) {
	if in.Username != nil {
		u.Username = *in.Username
	}
	if in.Name != nil {
		u.Name = *in.Name
	}
	if in.IsActive != nil {
		u.IsActive = *in.IsActive
	}
	if in.LastLoginSet {
		u.LastLogin = in.LastLogin
	}
	if in.GroupsSet {
		u.Groups = in.Groups
	}
	if in.Email != nil {
		u.Email = *in.Email
	}
	if in.Attributes != nil {
		u.Attributes = in.Attributes
	}
	if in.Path != nil {
		u.Path = *in.Path
	}
	if in.Type != nil {
		u.Type = *in.Type
	}
}

// exists reports whether a user is named username.
func (st *store) exists(username string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.byName[username]
	return ok
}
