package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

// DefaultStartupWait is how long the preflight waits for an authentik that is starting.
const DefaultStartupWait = 2 * time.Minute

// serverInfo is what the preflight learned of authentik, read-only once rows flow.
type serverInfo struct {
	version authentik.Version
	known   bool   // version was read
	me      string // the token's user
	stagePK string // --send-recovery-email's stage, resolved
	// unfinished holds the lines an earlier run created without finishing (--resume);
	// written while the earlier report is read, before any worker starts.
	unfinished map[int]unfinished
}

func (s *serverInfo) supportsHashes() bool {
	return s.known && s.version.AtLeast(authentik.VersionPasswordHash)
}

// recoveryInBody: the stage goes in a JSON body since 2026.2, a query parameter before
// (F-R1). An unknown version gets the current form.
func (s *serverInfo) recoveryInBody() bool {
	return !s.known || s.version.AtLeast(authentik.VersionRecoveryBody)
}

func (s *serverInfo) hashVersionMessage() string {
	running := "whose version could not be read"
	if s.known {
		running = "running " + s.version.String()
	}
	return fmt.Sprintf("importing password hashes needs authentik %s or newer (set_password_hash); this server is %s. Upgrade authentik, or import without password_hash and send recovery e-mails (--send-recovery-email)",
		authentik.VersionPasswordHash.Release(), running)
}

// learnServer reads the version and the token's user (F-V1), waiting out an authentik that
// is starting.
func learnServer(pace *pacer, client *authentik.Client) (*serverInfo, error) {
	info := &serverInfo{}
	var v authentik.Version
	err := pace.await("read the authentik version", func(ctx context.Context) error {
		var e error
		v, e = client.Version(ctx)
		return e
	})
	switch {
	case err == nil:
		info.version, info.known = v, true
	case authentik.IsFatal(err) && authentik.StatusOf(err) == 404:
		pace.log.Warn("authentik did not say its version (GET /api/v3/admin/version/ answered 404); features that depend on it are refused", zap.Error(err))
	default:
		return nil, err
	}
	var me *authentik.User
	if err := pace.await("read the token's user", func(ctx context.Context) error {
		var e error
		me, e = client.Me(ctx)
		return e
	}); err != nil {
		return nil, err
	}
	info.me = me.Username
	pace.log.Info("authentik", zap.String("version", versionText(*info)), zap.String("token_user", me.Username),
		zap.Bool("superuser", me.IsSuperuser))
	return info, nil
}

func versionText(s serverInfo) string {
	if !s.known {
		return "unknown"
	}
	return s.version.String()
}

// checkFeatures stops the run before any write (exit 2) when the file asks for something
// this authentik cannot do, and resolves the e-mail stage.
func checkFeatures(pace *pacer, client *authentik.Client, cfg *Config, info *serverInfo) error {
	if !info.supportsHashes() {
		uses, line, err := inputUsesPasswordHash(cfg)
		if err != nil {
			return &UsageError{Err: err}
		}
		if uses {
			return &UsageError{Err: fmt.Errorf("%s line %d has a password_hash: %s; nothing was sent", displayName(cfg.Input), line, info.hashVersionMessage())}
		}
	}
	if stage := cfg.SendRecoveryEmail; stage != "" {
		if mapping.IsUUID(stage) {
			info.stagePK = stage
			return nil
		}
		var found *authentik.EmailStage
		var ok bool
		if err := pace.await("find the e-mail stage", func(ctx context.Context) error {
			var e error
			found, ok, e = client.FindEmailStage(ctx, stage)
			return e
		}); err != nil {
			return err
		}
		if !ok {
			return &UsageError{Err: fmt.Errorf("--send-recovery-email %q: authentik has no e-mail stage of that name (give its name as shown under Flows and Stages › Stages, or its UUID)", stage)}
		}
		info.stagePK = found.PK
		pace.log.Info("recovery e-mails go through the e-mail stage", zap.String("stage", stage), zap.String("pk", found.PK),
			zap.Bool("json_body", info.recoveryInBody()))
	}
	return nil
}

// inputUsesPasswordHash reads the input file (not standard input, which cannot be read
// twice) until a row with a password hash; line is that row's line.
func inputUsesPasswordHash(cfg *Config) (uses bool, line int, err error) {
	if cfg.Input == "-" {
		return false, 0, nil // rows with a hash are refused one by one (beforeCreate)
	}
	var mp *mapping.Mapping
	if cfg.MappingFile != "" {
		if mp, err = mapping.LoadMapping(cfg.MappingFile); err != nil {
			return false, 0, fmt.Errorf("mapping file %s: %w", cfg.MappingFile, err)
		}
	}
	format := cfg.Format
	if format == "" {
		if format, err = mapping.FormatFromPath(cfg.Input); err != nil {
			return false, 0, err
		}
	}
	f, err := os.Open(cfg.Input)
	if err != nil {
		return false, 0, fmt.Errorf("cannot open the input: %w", err)
	}
	defer f.Close()
	reader, err := mapping.NewReader(f, mapping.Options{Format: format, Mapping: mp})
	if err != nil {
		return false, 0, fmt.Errorf("%s: %w", cfg.Input, err)
	}
	defer reader.Close()
	if cols := reader.Columns(); cols != nil && !contains(cols, "password_hash") {
		return false, 0, nil // a CSV header without the column
	}
	for {
		row, err := reader.Next()
		if errors.Is(err, io.EOF) {
			return false, 0, nil
		}
		if err != nil {
			return false, 0, err
		}
		if row.PasswordHash != "" {
			return true, row.Line, nil
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// await makes one logical request (call: pace, retries, an unreachable server is fatal)
// and, while authentik's router answers that it is starting or its backend is down (F-S1),
// makes it again with backoff until StartupWait has passed. Other failures end it as call
// ends them.
func (p *pacer) await(what string, op func(ctx context.Context) error) error {
	deadline := time.Now().Add(p.startupWait)
	for try := 1; ; try++ {
		err := p.call(what, nil, op)
		if err == nil || !authentik.IsStarting(err) || p.stopped() {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: authentik was still not ready after %s: %w", what, p.startupWait, err)
		}
		p.giveUpsInARow.Store(0) // waiting for a start-up is not a server that stopped answering
		p.log.Info("authentik is not ready; waiting", zap.String("request", what), zap.Error(err))
		t := time.NewTimer(p.backoff.Delay(try, authentik.RetryAfterOf(err)))
		select {
		case <-t.C:
		case <-p.stopCtx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", what, errStopped)
		}
	}
}

// waitUntilReady waits, after a request got a start-up answer (F-S1), until authentik
// answers GET admin/version/ as itself, or StartupWait has passed (the request's own
// retries then decide). It fails only when the run stops meanwhile.
func (p *pacer) waitUntilReady(lastErr error) error {
	deadline := time.Now().Add(p.startupWait)
	err := lastErr
	p.log.Info("authentik is starting or its backend is down; waiting for it", zap.Duration("at_most", p.startupWait),
		zap.String("answer", authentik.StatusText(err)))
	for try := 1; authentik.IsStarting(err) && time.Now().Before(deadline); try++ {
		t := time.NewTimer(p.backoff.Delay(try, authentik.RetryAfterOf(err)))
		select {
		case <-t.C:
		case <-p.stopCtx.Done():
			t.Stop()
			return errStopped
		}
		if werr := p.limiter.Wait(p.stopCtx); werr != nil {
			return errStopped
		}
		if p.probe == nil {
			return nil
		}
		err = p.probe(p.reqCtx)
	}
	return nil
}
