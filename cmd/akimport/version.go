package main

import (
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise the module
// version the Go toolchain recorded is used.
var version = ""

// versionInfo returns the version and what the Go toolchain stamped from the clone it built
// (-buildvcs, on by default): the commit, its time, and whether the tree was modified.
func versionInfo() (ver, vcs string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = &debug.BuildInfo{}
	}
	return describeBuild(info)
}

func describeBuild(info *debug.BuildInfo) (ver, vcs string) {
	ver = version
	if ver == "" {
		ver = info.Main.Version
	}
	if ver == "" {
		ver = "(devel)"
	}
	stamp := map[string]string{}
	for _, s := range info.Settings {
		stamp[s.Key] = s.Value
	}
	commit := stamp["vcs.revision"]
	if commit == "" {
		return ver, "commit unknown: not built from a git clone, or built with -buildvcs=false"
	}
	vcs = "commit " + commit[:min(12, len(commit))]
	if stamp["vcs.modified"] == "true" {
		vcs += " with local changes"
	}
	if t := stamp["vcs.time"]; t != "" {
		vcs += ", " + t
	}
	return ver, vcs
}

func versionLine() string {
	v, vcs := versionInfo()
	return fmt.Sprintf("akimport %s (%s)", v, vcs)
}
