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

// watchPeakRSS polls pid's VmHWM until stop is closed, then sends the last reading, bytes.
func watchPeakRSS(pid int, stop <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(rssPollInterval)
		defer t.Stop()
		for {
			if v, err := readVmHWM(pid); err == nil {
				peak = max(peak, v)
			}
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
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
