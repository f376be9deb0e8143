package main

import (
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise the module
// version and VCS revision recorded by the Go toolchain are used.
var version = ""

// versionInfo returns the version, the commit and whether the tree was modified.
func versionInfo() (ver, commit string) {
	ver, commit = version, "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if ver == "" {
			ver = "(devel)"
		}
		return ver, commit
	}
	if ver == "" {
		ver = info.Main.Version
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
			if len(commit) > 12 {
				commit = commit[:12]
			}
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty {
		commit += "-dirty"
	}
	if ver == "" {
		ver = "(devel)"
	}
	return ver, commit
}

func versionLine() string {
	v, c := versionInfo()
	return fmt.Sprintf("akimport %s (commit %s)", v, c)
}
