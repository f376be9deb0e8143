package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
)

// journal is the write-ahead record beside the report (REPORT.journal): before a row's first
// write akimport appends "sending LINE" and syncs it to disk. The row's outcome in the report
// closes the record — unless the journal says "unsure LINE" (written before that outcome):
// the row's create may have gone through without an answer saying so. A row that a crash
// (kill -9) caught in flight is sent and not in the report; only such rows, and unsure
// ones, may later be adopted as "created by the earlier run" when --resume finds their
// user (see decide's provenance). So a row the report shows as `exists` never is, however
// the process died.
//
// One goroutine (the recorder) owns it. Intents from many workers are written together with
// one fsync (group commit, as databases do), so the cost is one sync per batch, not per row;
// a certain outcome costs the journal nothing.
type journal struct {
	f    *os.File
	path string
	open map[int]int // line → intents not closed yet
}

const (
	journalHeader = "# akimport write-ahead journal: a row is \"sending\" before its first write and \"done\" once its outcome is in the report\n"
	journalSend   = "sending "
	journalUnsure = "unsure "
)

// journalPath is where the journal of a report lives.
func journalPath(report string) string { return report + ".journal" }

// createJournal starts the journal of a run, carrying over the rows an earlier run left
// open (they stay uncertain until this run settles them).
func createJournal(path string, carried []int) (*journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot write the journal beside the report: %w", err)
	}
	j := &journal{f: f, path: path, open: map[int]int{}}
	if _, err := f.WriteString(journalHeader); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing the journal %s: %w", path, err)
	}
	if err := j.intend(carried); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

// intend records that these rows are about to be sent, durably: it returns after fsync.
func (j *journal) intend(lines []int) error {
	var b strings.Builder
	for _, line := range lines {
		b.WriteString(journalSend)
		b.WriteString(strconv.Itoa(line))
		b.WriteByte('\n')
		j.open[line]++
	}
	if _, err := j.f.WriteString(b.String()); err != nil {
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing the journal %s: %w", j.path, err)
	}
	return nil
}

// settle notes that the report now holds a row's outcome, which closes its record on disk;
// the journal only counts what stays open.
func (j *journal) settle(line int) { delete(j.open, line) }

// unsure marks a row whose create may have happened though no answer said so; it is written
// before the row's outcome goes to the report, so the record stays open for --resume. It is
// not synced: lost in a power cut, the row reads as pre-existing, never as ours.
func (j *journal) unsure(line int) error {
	if j.open[line] == 0 {
		return nil
	}
	if _, err := j.f.WriteString(journalUnsure + strconv.Itoa(line) + "\n"); err != nil {
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	return nil
}

// finish closes the journal; one with no open record has nothing to tell a resume and is
// removed. It returns how many rows stay open.
func (j *journal) finish() (open int, err error) {
	err = j.f.Close()
	if len(j.open) == 0 && err == nil {
		err = os.Remove(j.path)
	}
	return len(j.open), err
}

// readJournal returns the rows a journal leaves open: sent, and missing from the report
// (reported) or marked unsure. A missing journal leaves none open (the earlier run settled
// every row, or made no write).
func readJournal(path string, reported *lineSet) ([]int, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the journal %s: %w", path, err)
	}
	sent, unsure := map[int]bool{}, map[int]bool{}
	records := strings.Split(string(data), "\n")
	// The last piece has no newline: empty, or a record torn by a crash. A torn record was
	// never synced, so its row was never sent (or is not known to be unsure).
	for n, text := range records[:len(records)-1] {
		mark := sent
		switch {
		case strings.HasPrefix(text, "#"), text == "":
			continue
		case strings.HasPrefix(text, journalSend):
			text = text[len(journalSend):]
		case strings.HasPrefix(text, journalUnsure):
			text, mark = text[len(journalUnsure):], unsure
		default:
			return nil, fmt.Errorf("the journal %s, line %d: %q is not a journal record", path, n+1, text)
		}
		line, err := strconv.Atoi(text)
		if err != nil {
			return nil, fmt.Errorf("the journal %s, line %d: %q is not a journal record", path, n+1, text)
		}
		mark[line] = true
	}
	var out []int
	for line := range sent {
		if !reported.has(line) || unsure[line] {
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out, nil
}
