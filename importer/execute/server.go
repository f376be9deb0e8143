package execute

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/plan"
)

// Server is what the preflight learned of authentik; read-only once work flows.
type Server struct {
	Version authentik.Version
	Known   bool   // the version was read
	Me      int    // the token's user (pk): never deactivated or deleted
	StagePK string // --send-recovery-email's stage, resolved
	// Mark is the highest user pk when the run began, read when asked for.
	Mark plan.Mark
}

// HashesSupported: set_password_hash exists (F-H1).
func (s Server) HashesSupported() bool {
	return s.Known && s.Version.AtLeast(authentik.VersionPasswordHash)
}

// HashVersionMessage says why this authentik cannot take password hashes.
func (s Server) HashVersionMessage() string {
	running := "whose version could not be read"
	if s.Known {
		running = "running " + s.Version.String()
	}
	return fmt.Sprintf("importing password hashes needs authentik %s or newer (set_password_hash); this server is %s. Upgrade authentik, or import without password_hash and send recovery e-mails (--send-recovery-email)",
		authentik.VersionPasswordHash.Release(), running)
}

// Preflight makes read-only requests before any row is read, so a wrong URL, token or
// certificate ends the run at once: the version and the token's user (F-V1), a read of the
// users (the pk mark when readMark, else a lookup), and the e-mail stage (a name, or a UUID
// that must exist). It waits out an authentik that is starting (F-S1).
func (r *Reads) Preflight(stage string, stageIsUUID, readMark bool) (Server, error) {
	p, c := r.P, r.Client
	p.probe = func(ctx context.Context) error { _, err := c.Version(ctx); return err }
	var s Server
	err := p.Await("read the authentik version", func(ctx context.Context) (err error) {
		s.Version, err = c.Version(ctx)
		return err
	})
	switch {
	case err == nil:
		s.Known = true
	case authentik.IsFatal(err) && authentik.StatusOf(err) == 404:
		p.log.Warn("authentik did not say its version (GET /api/v3/admin/version/ answered 404); features that depend on it are refused", zap.Error(err))
	default:
		return s, err
	}
	var me *authentik.User
	if err := p.Await("read the token's user", func(ctx context.Context) (err error) {
		me, err = c.Me(ctx)
		return err
	}); err != nil {
		return s, err
	}
	s.Me = me.PK
	version := "unknown"
	if s.Known {
		version = s.Version.String()
	}
	p.log.Info("authentik", zap.String("version", version), zap.String("token_user", me.Username), zap.Bool("superuser", me.IsSuperuser))
	if readMark {
		if s.Mark, err = r.HighestPK(); err != nil {
			return s, err
		}
	} else if err := p.Await("check the token", func(ctx context.Context) error {
		_, _, err := c.FindUserByUsername(ctx, "akimport-preflight-check")
		return err
	}); err != nil {
		return s, err
	}
	if stage == "" {
		return s, nil
	}
	var found *authentik.EmailStage
	var ok bool
	if err := p.Await("find the e-mail stage", func(ctx context.Context) (err error) {
		found, ok, err = c.FindEmailStage(ctx, stage, stageIsUUID)
		return err
	}); err != nil {
		return s, err
	}
	if !ok {
		return s, fmt.Errorf("%w: --send-recovery-email %q: authentik has no e-mail stage with that %s (give its name as shown under Flows and Stages › Stages, or its UUID)",
			ErrNoStage, stage, map[bool]string{true: "UUID", false: "name"}[stageIsUUID])
	}
	s.StagePK = found.PK
	p.log.Info("recovery e-mails go through the e-mail stage", zap.String("stage", found.Name), zap.String("pk", found.PK))
	return s, nil
}

// ErrNoStage: the e-mail stage named on the command line does not exist (a usage error).
var ErrNoStage = fmt.Errorf("no such e-mail stage")

// RecoveryInBody: the stage goes in a JSON body since 2026.2, a query parameter before (F-R1).
func (s Server) RecoveryInBody() bool {
	return !s.Known || s.Version.AtLeast(authentik.VersionRecoveryBody)
}
