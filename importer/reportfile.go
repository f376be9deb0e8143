package importer

import (
	"fmt"
	"time"

	"github.com/akimport/akimport/report"
	"go.uber.org/zap"
)

// openReport creates the run's report. A report already at the path is never destroyed: it
// is moved aside first (report.MoveAside) and the log says where. The format is
// --report-format, else the path's extension (CSV for "-"). A dry run's report is buffered:
// nothing is sent, so there is nothing to resume after a crash.
func (r *run) openReport() (report.Writer, error) {
	moved, err := report.MoveAside(r.cfg.ReportPath, time.Now())
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("cannot write the report: %w", err)}
	}
	if moved != "" {
		r.log.Info("earlier report kept", zap.String("path", moved))
	}
	format := r.cfg.ReportFormat
	if format == "" {
		format = report.FormatFromPath(r.cfg.ReportPath)
	}
	create := report.Create
	if r.cfg.DryRun {
		create = report.CreateBuffered
	}
	out, err := create(r.cfg.ReportPath, format, r.cfg.Stdout)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("cannot write the report: %w", err)}
	}
	return out, nil
}
