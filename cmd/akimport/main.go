// Command akimport creates users in authentik in bulk from CSV or JSON Lines.
// It only wires: flags and environment → importer.Config → importer.Run → exit code.
package main

//go:generate go test -run TestFlagsDoc -update .

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	tuneGC(os.Getenv)
	ctx, abort := handleSignals()
	env := environment{
		getenv:     os.Getenv,
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		isTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		abort:      abort,
	}
	os.Exit(execute(ctx, os.Args[1:], env))
}

// handleSignals returns the run's context, cancelled by the first SIGINT/SIGTERM (stop
// taking rows, let those in flight finish), and a channel closed by the second (cancel the
// requests in flight, then write the report and the summary). A third signal ends the
// process at once.
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
