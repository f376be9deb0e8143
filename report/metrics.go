package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WritePrometheus writes the summary in Prometheus' text exposition format, for
// node-exporter's textfile collector (--metrics-file):
//
//	akimport_rows{status="..."}                 gauge, every status, zeros included
//	akimport_rows_total                         counter, rows of the run
//	akimport_retries_total                      counter, retries of the run
//	akimport_carried_over_rows                  gauge, rows copied from an earlier report (--resume)
//	akimport_recovery_emails{result="..."}      gauge, sent / not_sent, with --send-recovery-email
//	akimport_duration_seconds                   gauge
//	akimport_last_run_timestamp_seconds         gauge, when the run finished
//	akimport_last_success_timestamp_seconds     gauge, only after a successful real run
//	akimport_exit_code                          gauge
//	akimport_concurrency_limit                  gauge, --concurrency auto only: the limit it settled on
//	akimport_concurrency_limit_min_seen         gauge, --concurrency auto only
//	akimport_concurrency_limit_max_seen         gauge, --concurrency auto only
//	akimport_concurrency_limit_decreases_total  counter, --concurrency auto only
//
// akimport_last_success_timestamp_seconds is written only when the run exited 0 and was not
// a dry run. Since each run replaces the file, after a failed run the series is absent:
// alert on `absent(akimport_last_success_timestamp_seconds) or time() -
// akimport_last_success_timestamp_seconds > 86400`, or keep the timestamp elsewhere.
//
// The counters count one run (the file is rewritten each run), which Prometheus sees as a
// counter reset; rate() and increase() handle that.
func WritePrometheus(w io.Writer, s Summary) error {
	var b bytes.Buffer
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	sample := func(name string, value float64) {
		fmt.Fprintf(&b, "%s %s\n", name, formatFloat(value))
	}

	family("akimport_rows", "gauge", "Rows of the last run by report status.")
	for _, status := range statusOrder {
		fmt.Fprintf(&b, "akimport_rows{status=%q} %d\n", string(status), s.Counts[status])
	}
	family("akimport_rows_total", "counter", "Rows reported by the last run.")
	sample("akimport_rows_total", float64(s.Rows))
	family("akimport_retries_total", "counter", "Retried requests of the last run.")
	sample("akimport_retries_total", float64(s.Retries))
	if e := s.RecoveryEmails; e != nil {
		family("akimport_recovery_emails", "gauge", "Recovery e-mails of the last run (--send-recovery-email), sent or not.")
		fmt.Fprintf(&b, "akimport_recovery_emails{result=%q} %d\n", "sent", e.Sent)
		fmt.Fprintf(&b, "akimport_recovery_emails{result=%q} %d\n", "not_sent", e.NotSent)
	}
	family("akimport_carried_over_rows", "gauge", "Rows of the last run's report carried over from an earlier report (--resume).")
	sample("akimport_carried_over_rows", float64(s.CarriedOver))
	family("akimport_duration_seconds", "gauge", "Duration of the last run.")
	sample("akimport_duration_seconds", s.ElapsedSeconds)
	family("akimport_last_run_timestamp_seconds", "gauge", "Unix time the last run finished.")
	sample("akimport_last_run_timestamp_seconds", unixSeconds(s.FinishedAt))
	if s.ExitCode == 0 && !s.DryRun {
		family("akimport_last_success_timestamp_seconds", "gauge",
			"Unix time the last run finished with every row done (absent after a failed run).")
		sample("akimport_last_success_timestamp_seconds", unixSeconds(s.FinishedAt))
	}
	family("akimport_exit_code", "gauge", "Exit code of the last run (0 ok, 1 some rows failed, 2 input, 3 fatal, 130 interrupted).")
	sample("akimport_exit_code", float64(s.ExitCode))
	if c := s.Concurrency; c != nil {
		family("akimport_concurrency_limit", "gauge", "Requests in flight at most that --concurrency auto settled on at the end of the last run.")
		sample("akimport_concurrency_limit", float64(c.Limit))
		family("akimport_concurrency_limit_min_seen", "gauge", "Lowest limit of --concurrency auto in the last run, after its first ramp-up.")
		sample("akimport_concurrency_limit_min_seen", float64(c.MinSeen))
		family("akimport_concurrency_limit_max_seen", "gauge", "Highest limit of --concurrency auto in the last run, after its first ramp-up.")
		sample("akimport_concurrency_limit_max_seen", float64(c.MaxSeen))
		family("akimport_concurrency_limit_decreases_total", "counter", "Times --concurrency auto shrank its limit in the last run (rising latency or overload answers).")
		sample("akimport_concurrency_limit_decreases_total", float64(c.Decreases))
	}

	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// WritePrometheusFile writes the metrics to path atomically (temporary file and rename), as
// the textfile collector requires; the name should end in ".prom".
func WritePrometheusFile(path string, s Summary) error {
	var b bytes.Buffer
	if err := WritePrometheus(&b, s); err != nil {
		return err
	}
	return writeFileAtomic(path, b.Bytes())
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// unixSeconds is t as Unix seconds with millisecond precision; the zero time is 0.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}
