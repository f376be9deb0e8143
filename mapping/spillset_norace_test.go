//go:build !race

package mapping

const spillRaceEnabled = false
