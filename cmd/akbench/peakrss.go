package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Peak RSS is read from /proc/PID/status (VmHWM, the high-water mark of the process's own
// memory since its exec), polled while it runs. getrusage's ru_maxrss is no good here: Go
// starts children with vfork, so the child shares akbench's memory until exec, and Linux
// carries that high-water mark into the child's ru_maxrss — which then reports akbench's
// (and the in-process simulator's) memory, not akimport's.

// rssPollInterval is how often VmHWM is read; growth in the last interval before exit
// can be missed, which is why the reading is taken as late as possible.
const rssPollInterval = 5 * time.Millisecond

// watched is what watchProcess saw of a running process.
type watched struct {
	peakRSS int64    // bytes
	files   []string // the files it had open, each once: /proc/PID/fd links that are paths
}

// watchProcess polls pid's VmHWM, and every 20th poll its open files, until stop is closed,
// then sends what it saw. The files show whether akimport keeps a temporary file (the
// duplicate set used to spill to one, unlinked: its link reads "/tmp/… (deleted)").
func watchProcess(pid int, stop <-chan struct{}) <-chan watched {
	out := make(chan watched, 1)
	go func() {
		var w watched
		seen := map[string]bool{}
		t := time.NewTicker(rssPollInterval)
		defer t.Stop()
		for i := 0; ; i++ {
			if v, err := readVmHWM(pid); err == nil {
				w.peakRSS = max(w.peakRSS, v)
			}
			if i%20 == 0 {
				for _, f := range openFiles(pid) {
					if !seen[f] {
						seen[f] = true
						w.files = append(w.files, f)
					}
				}
			}
			select {
			case <-stop:
				out <- w
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// openFiles lists the paths pid has open, leaving out sockets, pipes and the kernel's
// files (the Go runtime reads its CPU quota from /sys/fs/cgroup at start).
func openFiles(pid int) []string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // the process has just exited
	}
	var files []string
	for _, e := range entries {
		if target, err := os.Readlink(dir + "/" + e.Name()); err == nil && isPlainFile(target) {
			files = append(files, target)
		}
	}
	return files
}

// readVmHWM reads the VmHWM line of /proc/PID/status, in bytes.
func readVmHWM(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, err
			}
			return kib * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

func isPlainFile(path string) bool {
	for _, kernel := range []string{"/dev/", "/proc/", "/sys/"} {
		if strings.HasPrefix(path, kernel) {
			return false
		}
	}
	return strings.HasPrefix(path, "/")
}
