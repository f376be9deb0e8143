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
func connect(cfg *Config) (*authentik.Client, error) {
	c, err := authentik.NewClient(authentik.ClientConfig{
		BaseURL:    cfg.URL,
		Token:      cfg.Token,
		Insecure:   cfg.Insecure,
		Timeout:    cfg.Timeout,
		MaxConns:   cfg.Concurrency,
		UserAgent:  "akimport/" + cfg.Version,
		HTTPClient: cfg.HTTPClient,
	})
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--url: %w", err)}
	}
	if strings.HasPrefix(strings.ToLower(cfg.URL), "http://") && !isLoopback(cfg.URL) {
		cfg.Logger.Warn("the URL is plain http: the token (and any passwords) travel unencrypted; use https")
	}
	return c, nil
}

// preflight makes read-only requests before any row is read, so a wrong token, URL or
// certificate ends the run at once (exit 3) instead of failing the first rows.
//
// It also learns the server's version and the token's user (F-V1), waiting out an authentik
// that is starting (F-S1), and stops the run (exit 2) when the input asks for something
// this version cannot do (migrate.go).
func preflight(pace *pacer, client *authentik.Client, cfg *Config) (*serverInfo, error) {
	pace.probe = func(ctx context.Context) error { _, err := client.Version(ctx); return err }
	info, err := learnServer(pace, client)
	if err == nil {
		err = pace.await("check the token", func(ctx context.Context) error {
			_, _, e := client.FindUserByUsername(ctx, "akimport-preflight-check")
			return e
		})
	}
	if err == nil {
		err = checkFeatures(pace, client, cfg, info)
	}
	var usage *UsageError
	if errors.As(err, &usage) {
		return nil, err
	}
	if err != nil {
		// An unreachable server already stopped the run with the clearer message.
		if fatal := pace.fatal.Load(); fatal != nil {
			err = fatal.Err
		}
		return nil, &FatalError{Err: fmt.Errorf("checking the URL and token before reading any row: %w", err)}
	}
	pace.log.Debug("authentik answered the preflight requests", zap.String("url", cfg.URL))
	return info, nil
}

func isLoopback(u string) bool {
	for _, h := range []string{"://127.", "://localhost", "://[::1]"} {
		if strings.Contains(strings.ToLower(u), h) {
			return true
		}
	}
	return false
}
