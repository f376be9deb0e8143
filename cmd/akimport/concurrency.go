package main

import (
	"fmt"
	"strconv"
	"strings"
)

// parseConcurrency reads --concurrency: a number of requests in flight, or "auto" to let
// akimport find the server's pace (bounded by --max-concurrency).
func parseConcurrency(s string) (n int, auto bool, err error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		return 0, true, nil
	}
	n, err = strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, false, fmt.Errorf("--concurrency %q: want a number of requests in flight, or auto", s)
	}
	return n, false, nil
}
