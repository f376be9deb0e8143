package authentiktest

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// F-U13: a create of a username whose create is still in progress ends in a 500, and the
// user is created once.
func TestConcurrentCreateOfOneUsername(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	inWindow, release := make(chan struct{}), make(chan struct{})
	s.beforeInsert = func(username string) {
		if username == "dup" {
			s.beforeInsert = nil // only the first create waits
			close(inWindow)
			<-release
		}
	}
	first := make(chan response, 1)
	go func() {
		resp, err := send(ts, request{method: "POST", path: "core/users/", body: `{"username":"dup","name":"A"}`})
		if err != nil {
			t.Errorf("first create: %v", err)
		}
		first <- resp
	}()
	select {
	case <-inWindow:
	case <-time.After(5 * time.Second):
		t.Fatal("the first create never reached its write")
	}
	second := create(t, ts, `{"username":"dup","name":"B"}`)
	if second.status != http.StatusInternalServerError || second.body != djangoServerError {
		t.Errorf("second create: got %d %q, want 500 with Django's page", second.status, second.body)
	}
	close(release)
	select {
	case got := <-first:
		if got.status != http.StatusCreated {
			t.Errorf("first create: got %d %s, want 201", got.status, got.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first create did not answer")
	}
	if n := s.CreateCount("dup"); n != 1 {
		t.Errorf("CreateCount = %d, want 1", n)
	}
	if u, _ := s.UserByUsername("dup"); u.Name != "A" {
		t.Errorf("the user is %q, want the first create's", u.Name)
	}
	third := create(t, ts, `{"username":"dup","name":"C"}`)
	wantResponse(t, third, http.StatusBadRequest, `{"username":["This field must be unique."]}`)
	if got := s.Stats().DuplicateUsernameAttempts; got != 2 {
		t.Errorf("DuplicateUsernameAttempts = %d, want 2 (one race, one unique)", got)
	}
}

// F-U13, F-A3: 32 clients creating overlapping usernames: every username is created exactly
// once, the others get 400 or 500, and the counters add up.
func TestHammer(t *testing.T) {
	s, ts := newTestServer(t, Options{Latency: 200 * time.Microsecond, LatencyJitter: 200 * time.Microsecond, Capacity: 8, Seed: 7})
	const clients, perClient, shared = 32, 20, 50
	var mu sync.Mutex
	byStatus := map[int]int{}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1) // not wg.Go: that needs Go 1.25, and go.mod says 1.24
		go func() {
			defer wg.Done()
			for i := range perClient {
				username := fmt.Sprintf("c%02d-u%02d", c, i)
				if i%2 == 0 { // half the creates fight over a few shared names
					username = fmt.Sprintf("shared-%02d", (c*perClient+i)/2%shared)
				}
				resp, err := send(ts, request{method: "POST", path: "core/users/", body: `{"username":"` + username + `","name":"x"}`})
				if err != nil {
					t.Errorf("create %s: %v", username, err)
					return
				}
				mu.Lock()
				byStatus[resp.status]++
				mu.Unlock()
				if i%5 == 0 {
					if _, err := send(ts, request{method: "GET", path: "core/users/?username=" + username}); err != nil {
						t.Errorf("look up %s: %v", username, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	wantUsers := clients*perClient/2 + shared
	stats := s.Stats()
	if byStatus[201] != wantUsers || stats.Creates != int64(wantUsers) || stats.Users != wantUsers {
		t.Errorf("201s %d, Creates %d, Users %d; want %d each", byStatus[201], stats.Creates, stats.Users, wantUsers)
	}
	if got := int64(byStatus[400] + byStatus[500]); got != stats.DuplicateUsernameAttempts || got != int64(clients*perClient-wantUsers) {
		t.Errorf("400s+500s %d, DuplicateUsernameAttempts %d, want %d", got, stats.DuplicateUsernameAttempts, clients*perClient-wantUsers)
	}
	if stats.PeakInFlight > 8 {
		t.Errorf("PeakInFlight %d > Capacity 8", stats.PeakInFlight)
	}
	users := s.Users()
	if !slices.IsSortedFunc(users, func(a, b userLike) int { return compareStrings(a.Username, b.Username) }) {
		t.Error("Users() is not ordered by username")
	}
	for _, u := range users {
		if n := s.CreateCount(u.Username); n != 1 {
			t.Errorf("CreateCount(%s) = %d, want 1", u.Username, n)
		}
	}
}
