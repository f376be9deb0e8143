package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WritePrometheus writes the summary in Prometheus' text format for node-exporter's textfile
// collector (--metrics-file). Every figure is a gauge of the last run, as the collector's
// convention for batch jobs has it (a counter would restart with each run):
//
//	akimport_last_run_rows{status="..."}            every status, zeros included
//	akimport_last_run_retries
//	akimport_last_run_carried_over_rows             rows copied from an earlier report (--resume)
//	akimport_last_run_recovery_emails{result="..."} sent / not_sent, with --send-recovery-email
//	akimport_duration_seconds
//	akimport_exit_code
//	akimport_last_run_timestamp_seconds             when the run finished
//	akimport_last_success_timestamp_seconds         only after a real run that exited 0
//	akimport_concurrency_limit{,_min_seen,_max_seen,_decreases}  --concurrency auto only
//
// Alert on `absent(akimport_last_success_timestamp_seconds) or time() - … > 86400`.
func WritePrometheus(w io.Writer, s Summary) error {
	var b bytes.Buffer
	family := func(name, help string) { fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name) }
	gauge := func(name, help string, value float64) {
		family(name, help)
		fmt.Fprintf(&b, "%s %s\n", name, strconv.FormatFloat(value, 'g', -1, 64))
	}
	family("akimport_last_run_rows", "Rows of the last run by report status.")
	for _, status := range statusOrder {
		fmt.Fprintf(&b, "akimport_last_run_rows{status=%q} %d\n", string(status), s.Counts[status])
	}
	gauge("akimport_last_run_retries", "Retried requests of the last run.", float64(s.Retries))
	gauge("akimport_last_run_carried_over_rows", "Rows of the last run's report carried over from an earlier report (--resume).", float64(s.CarriedOver))
	if e := s.RecoveryEmails; e != nil {
		family("akimport_last_run_recovery_emails", "Recovery e-mails of the last run (--send-recovery-email), sent or not.")
		fmt.Fprintf(&b, "akimport_last_run_recovery_emails{result=%q} %d\n", "sent", e.Sent)
		fmt.Fprintf(&b, "akimport_last_run_recovery_emails{result=%q} %d\n", "not_sent", e.NotSent)
	}
	gauge("akimport_duration_seconds", "Duration of the last run.", s.ElapsedSeconds)
	gauge("akimport_exit_code", "Exit code of the last run (0 ok, 1 some rows failed, 2 input, 3 fatal, 130 interrupted).", float64(s.ExitCode))
	gauge("akimport_last_run_timestamp_seconds", "Unix time the last run finished.", unixSeconds(s.FinishedAt))
	if s.ExitCode == 0 && !s.DryRun {
		gauge("akimport_last_success_timestamp_seconds", "Unix time the last run finished with every row done (absent after a failed run).", unixSeconds(s.FinishedAt))
	}
	if c := s.Concurrency; c != nil {
		gauge("akimport_concurrency_limit", "Requests in flight at most that --concurrency auto settled on in the last run.", float64(c.Limit))
		gauge("akimport_concurrency_limit_min_seen", "Lowest limit of --concurrency auto in the last run, after its first ramp-up.", float64(c.MinSeen))
		gauge("akimport_concurrency_limit_max_seen", "Highest limit of --concurrency auto in the last run, after its first ramp-up.", float64(c.MaxSeen))
		gauge("akimport_concurrency_limit_decreases", "Times --concurrency auto shrank its limit in the last run.", float64(c.Decreases))
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// WritePrometheusFile writes the metrics to path atomically, as the textfile collector
// requires; the name should end in ".prom".
func WritePrometheusFile(path string, s Summary) error {
	var b bytes.Buffer
	if err := WritePrometheus(&b, s); err != nil {
		return err
	}
	return writeFileAtomic(path, b.Bytes())
}

// unixSeconds is t as Unix seconds with millisecond precision; the zero time is 0.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}
