//go:build race

package mapping

// spillRaceEnabled shrinks the spill set tests: the race detector slows them tenfold.
const spillRaceEnabled = true
