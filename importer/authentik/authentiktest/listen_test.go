package authentiktest

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func get(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Start listens on loopback; Restart refuses connections for a while and keeps the users.
func TestStartAndRestart(t *testing.T) {
	r, err := Start(Options{Token: testToken, Users: SeedUsers("kept")})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := r.URL() + "/api/v3/core/users/?username=kept"
	if status, err := get(ctx, url); err != nil || status != 200 {
		t.Fatalf("before restart: %d %v", status, err)
	}
	down, resume := make(chan struct{}), make(chan struct{})
	r.whileDown = func() {
		close(down)
		<-resume
	}
	restarted := make(chan error, 1)
	go func() { restarted <- r.Restart(time.Millisecond) }()
	select {
	case <-down:
	case <-time.After(5 * time.Second):
		t.Fatal("Restart did not close the listener")
	}
	if _, err := get(ctx, url); err == nil {
		t.Error("a request succeeded while the server was restarting")
	}
	close(resume)
	select {
	case err := <-restarted:
		if err != nil {
			t.Fatalf("Restart: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Restart did not return")
	}
	if status, err := get(ctx, url); err != nil || status != 200 {
		t.Fatalf("after restart: %d %v", status, err)
	}
	if _, ok := r.UserByUsername("kept"); !ok {
		t.Error("the restart lost the users")
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Only loopback addresses are served.
func TestListenRefusesOtherAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:80", "example.com:80", "nonsense"} {
		if r, err := Listen(addr, Options{}); err == nil {
			r.Close()
			t.Errorf("Listen(%q) succeeded", addr)
		}
	}
}
