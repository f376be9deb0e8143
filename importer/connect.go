package importer

import (
	"context"
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

// preflight makes one read-only request before any row is read, so a wrong token, URL or
// certificate ends the run at once (exit 3) instead of failing the first rows.
func preflight(pace *pacer, client *authentik.Client, url string) error {
	err := pace.call("check the token", nil, func(ctx context.Context) error {
		_, _, e := client.FindUserByUsername(ctx, "akimport-preflight-check")
		return e
	})
	if err != nil {
		// An unreachable server already stopped the run with the clearer message.
		if fatal := pace.fatal.Load(); fatal != nil {
			err = fatal.Err
		}
		return &FatalError{Err: fmt.Errorf("checking the URL and token before reading any row: %w", err)}
	}
	pace.log.Debug("authentik answered the preflight request", zap.String("url", url))
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
