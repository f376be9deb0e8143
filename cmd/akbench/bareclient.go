package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// bareCreates sends rows user creates to url with workers goroutines and a plain
// net/http client: no file, no validation, no report, no limiter. It is the floor of what
// any client reaches against the same simulator on the same machine, so akimport's
// throughput can be told apart from the simulator's and the machine's.
func bareCreates(ctx context.Context, url string, rows, workers int) (rowsPerSecond float64, err error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	began := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(rows) {
					return
				}
				if err := bareCreate(ctx, client, url, i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(rows) / time.Since(began).Seconds(), nil
}

func bareCreate(ctx context.Context, client *http.Client, url string, i int64) error {
	n := strconv.FormatInt(i, 10)
	body := `{"username":"bare.user` + n + `","name":"Bare User ` + n + `","email":"bare.user` + n +
		`@example.com","is_active":true,"path":"users/bench","attributes":{"department":"Sales"}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+createsPath, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("bare client: %w", err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("bare client: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("bare client: create answered %s", resp.Status)
	}
	return nil
}
