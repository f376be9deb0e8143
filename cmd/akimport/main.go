// Command akimport creates users in authentik in bulk from CSV or JSON Lines.
// It only wires: flags and environment → importer.Config → importer.Run → exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal drains and flushes; after it, a second signal ends the process
		// at once (the report is flushed per row, and --resume reconciles what was in flight).
		<-ctx.Done()
		stop()
	}()
	env := environment{
		getenv:     os.Getenv,
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		isTerminal: term.IsTerminal(int(os.Stderr.Fd())),
	}
	os.Exit(execute(ctx, os.Args[1:], env))
}
