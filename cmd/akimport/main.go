// Command akimport creates users in authentik in bulk from CSV or JSON Lines.
// It only wires: flags and environment → importer.Config → importer.Run → exit code.
package main

//go:generate go test -run TestFlagsDoc -update .

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"github.com/akimport/akimport/report"
)

func main() {
	// The heap is mostly the duplicate set (mapping.Seen: ~30 MiB a million rows), long-lived
	// and free of pointers: GOGC 50 keeps a big run near 60 MiB instead of 75. GOGC wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	ctx, abort := handleSignals()
	env := environment{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		isTerminal: term.IsTerminal(int(os.Stderr.Fd())), abort: abort}
	os.Exit(execute(ctx, os.Args[1:], env))
}

// handleSignals returns the run's context, cancelled by the first SIGINT/SIGTERM (stop taking
// rows, finish those in flight), and a channel closed by the second (cancel the requests in
// flight, then write the report and the summary). A third ends the process at once.
func handleSignals() (context.Context, <-chan struct{}) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	abort := make(chan struct{})
	go func() {
		<-sigs
		cancel()
		<-sigs
		close(abort)
		signal.Stop(sigs)
	}()
	return ctx, abort
}

// newLogger builds the zap logger: console or JSON, on stderr, info level (debug with -v).
func newLogger(format string, verbose bool, w io.Writer) (*zap.Logger, error) {
	var enc zapcore.Encoder
	switch format {
	case "json":
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(cfg)
	case "console", "":
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05")
		cfg.CallerKey, cfg.StacktraceKey, cfg.EncodeCaller = "", "", nil
		enc = zapcore.NewConsoleEncoder(cfg)
	default:
		return nil, fmt.Errorf("--log-format %q: want console or json", format)
	}
	level := zapcore.InfoLevel
	if verbose {
		level = zapcore.DebugLevel
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), level)), nil
}

// sharedStderr lets the progress bar and the logs share stderr: each log line is written
// above the bar, which is redrawn below it. The terminal's width is asked at each redraw.
func sharedStderr(w io.Writer) *report.StatusLine {
	f, ok := w.(*os.File)
	if !ok {
		return report.NewStatusLine(w, nil)
	}
	return report.NewStatusLine(w, func() int {
		cols, _, _ := term.GetSize(int(f.Fd())) // 0 when it cannot tell
		return cols
	})
}

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise the module
// version the Go toolchain recorded is used.
var version = ""

// versionInfo returns the version and what the toolchain stamped from the clone it built
// (-buildvcs, on by default): the commit, its time, and whether the tree was modified.
func versionInfo() (ver, vcs string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = &debug.BuildInfo{}
	}
	return describeBuild(info)
}

func describeBuild(info *debug.BuildInfo) (ver, vcs string) {
	ver = cmp.Or(version, info.Main.Version, "(devel)")
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
