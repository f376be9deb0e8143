package main

import "runtime/debug"

// defaultGCPercent is the GOGC akimport runs with unless the environment sets GOGC. Its heap
// is mostly the duplicate set (mapping.Seen: about 30 MiB for a million rows), long-lived and
// free of pointers, so a collection costs little however big the set is; with Go's default of
// 100 the heap may grow to twice the set before each collection, which at a million rows
// puts the process near 75 MiB instead of under 60.
const defaultGCPercent = 50

// tuneGC applies defaultGCPercent unless GOGC is set (an operator's choice wins).
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}
