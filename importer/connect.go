package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
)

// connect builds the one HTTP client of the run (one transport, an idle pool that fits
// --concurrency).
func (r *run) connect() error {
	c, err := authentik.NewClient(authentik.ClientConfig{
		BaseURL:    r.cfg.URL,
		Token:      r.cfg.Token,
		Insecure:   r.cfg.Insecure,
		Timeout:    r.cfg.Timeout,
		MaxConns:   r.cfg.Concurrency,
		UserAgent:  "akimport/" + r.cfg.Version,
		HTTPClient: r.cfg.HTTPClient,
	})
	if err != nil {
		return &UsageError{Err: fmt.Errorf("--url: %w", err)}
	}
	r.client = c
	if strings.HasPrefix(strings.ToLower(r.cfg.URL), "http://") && !isLoopback(r.cfg.URL) {
		r.log.Warn("the URL is plain http: the token (and any passwords) travel unencrypted; use https")
	}
	return nil
}

// preflight makes one read-only request before any row is read, so a wrong token, URL or
// certificate ends the run at once (exit 3) instead of failing the first rows.
//
// It also learns the server's version and the token's user (F-V1), waiting out an authentik
// that is starting (F-S1), and stops the run (exit 2) when the input asks for something
// this version cannot do (migrate.go).
func (r *run) preflight() error {
	err := r.learnServer()
	if err == nil {
		err = r.await("check the token", func(ctx context.Context) error {
			_, _, e := r.client.FindUserByUsername(ctx, "akimport-preflight-check")
			return e
		})
	}
	if err == nil {
		err = r.checkFeatures()
	}
	var usage *UsageError
	if errors.As(err, &usage) {
		return err
	}
	if err != nil {
		// An unreachable server already stopped the run with the clearer message.
		var fatal *FatalError
		if errors.As(context.Cause(r.stopCtx), &fatal) {
			err = fatal.Err
		}
		return &FatalError{Err: fmt.Errorf("checking the URL and token before reading any row: %w", err)}
	}
	r.log.Debug("authentik answered the preflight request", zap.String("url", r.cfg.URL))
	return nil
}

func isLoopback(u string) bool {
	for _, h := range []string{"://127.", "://localhost", "://[::1]"} {
		if strings.Contains(strings.ToLower(u), h) {
			return true
		}
	}
	return false
}
