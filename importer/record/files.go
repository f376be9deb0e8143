package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/akimport/akimport/report"
)

// Run is what a report keeps about the run that wrote it, in REPORT.run.json beside it:
// what a --resume must match, and the pk mark that proves which users the import created.
// A resume carries the first run's record on, mark and all.
type Run struct {
	Input             string    `json:"input"` // the input's fingerprint
	URL               string    `json:"url"`
	MarkPK            int       `json:"mark_pk"`
	MarkProven        bool      `json:"mark_proven"`
	Mapping           string    `json:"mapping,omitempty"` // the mapping file's fingerprint
	Reading           string    `json:"reading,omitempty"` // how the input was read: format, sheet, delimiter, encoding
	OnExisting        string    `json:"on_existing"`
	Reactivate        bool      `json:"reactivate,omitempty"`
	GroupsMode        string    `json:"groups_mode,omitempty"`
	DeactivateMissing bool      `json:"deactivate_missing"`
	ScopePath         string    `json:"scope_path,omitempty"`
	AllowSuperusers   bool      `json:"allow_superusers,omitempty"`
	Started           time.Time `json:"started"`
	// EndPK is the highest user pk when the run (or its last resume) ended; 0 when it did
	// not end cleanly. Undo looks no higher for users an unclear create may have made.
	EndPK int `json:"end_pk,omitempty"`
	// Leavers are the users --deactivate-missing planned to deactivate, kept so a resume
	// can report those a killed run deactivated without reporting it.
	Leavers []Leaver `json:"leavers,omitempty"`
}

// Leaver is a user a run planned to deactivate.
type Leaver struct {
	PK       int    `json:"pk"`
	UUID     string `json:"uuid"`
	Username string `json:"username"`
}

// RunPath is where the record of the report at path lives.
func RunPath(path string) string { return path + ".run.json" }

// ReadRun reads the record beside a report; found is false when there is none.
func ReadRun(path string) (run Run, found bool, err error) {
	b, err := os.ReadFile(RunPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return Run{}, false, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &run)
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("the run record %s: %w", RunPath(path), err)
	}
	return run, true, nil
}

// Regular reports whether path names a report file akimport keeps things beside: not
// standard output, not a device or pipe (--report /dev/null).
func Regular(path string) bool {
	if path == "-" {
		return false
	}
	info, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist) || (err == nil && info.Mode().IsRegular())
}

// Create opens the run's report at path: a report already there is moved aside with
// everything beside it (report.MoveAside; the log says where), then the report is created
// and, for a real run, its record is written and synced before any write to authentik.
func Create(path string, format report.Format, stdout io.Writer, run *Run, buffered bool) (w report.Writer, moved string, err error) {
	if moved, err = report.MoveAside(path, time.Now()); err != nil {
		return nil, "", err
	}
	if moved != "" {
		for _, side := range []string{".run.json", ".sent", ".journal"} {
			if err := os.Rename(path+side, moved+side); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, moved, fmt.Errorf("keep %s beside the earlier report: %w", path+side, err)
			}
		}
	}
	create := report.Create
	if buffered {
		create = report.CreateBuffered
	}
	if w, err = create(path, format, stdout); err != nil || run == nil || !Regular(path) {
		return w, moved, err
	}
	if err := WriteRun(path, run); err != nil {
		w.Close()
		return nil, moved, err
	}
	return w, moved, nil
}

// WriteRun writes the record beside the report at path, synced, replacing it whole.
func WriteRun(path string, run *Run) error {
	b, _ := json.MarshalIndent(run, "", "  ")
	if err := writeSynced(RunPath(path), append(b, '\n')); err != nil {
		return fmt.Errorf("writing the run record: %w", err)
	}
	return nil
}

func writeSynced(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	return err
}
