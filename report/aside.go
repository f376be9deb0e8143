package report

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// MoveAside keeps an existing report from being overwritten: it renames the regular file at
// path to path.prev-<UTC time, like 20261203T101500Z>, adding -2, -3, … when an earlier copy
// already has that name, and returns the new name. It returns "" and does nothing when
// nothing is at path, or when path is not a regular file (stdout "-", /dev/null, a pipe).
func MoveAside(path string, now time.Time) (string, error) {
	if path == "-" {
		return "", nil
	}
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("keep the earlier report %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return "", nil
	}
	moved := freeAsideName(path, now)
	if err := os.Rename(path, moved); err != nil {
		return "", fmt.Errorf("keep the earlier report: %w", err)
	}
	return moved, nil
}

// freeAsideName is the first name for path's aside copy that nothing has: two runs within
// the same second must not replace the first one's copy.
func freeAsideName(path string, now time.Time) string {
	base := path + ".prev-" + now.UTC().Format("20060102T150405Z")
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}
