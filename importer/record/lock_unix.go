//go:build unix

package record

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// Lock makes sure one run at a time writes the report at path (REPORT.lock, flock'ed: a
// killed run leaves no stale lock). release removes it.
func Lock(path string) (release func(), err error) {
	lockPath := path + ".lock"
	for {
		f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("cannot lock the report: %w", err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			holder, _ := io.ReadAll(io.LimitReader(f, 200))
			f.Close()
			return nil, fmt.Errorf("another akimport run (%s) is writing the report %s; wait for it, or give this run another --report",
				strings.TrimSpace(string(holder)), path)
		}
		// The holder may have removed the file as it finished: lock the one at the path.
		st, err1 := f.Stat()
		now, err2 := os.Stat(lockPath)
		if err1 == nil && err2 == nil && os.SameFile(st, now) {
			host, _ := os.Hostname()
			_ = f.Truncate(0)
			_, _ = fmt.Fprintf(f, "pid %d on %s", os.Getpid(), host)
			return func() { os.Remove(lockPath); f.Close() }, nil
		}
		f.Close()
	}
}
