package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
)

func TestUndoArgvToConfig(t *testing.T) {
	env := map[string]string{"AUTHENTIK_URL": "https://auth.example.com", "AUTHENTIK_TOKEN": "env-token"}
	e := environment{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	var got importer.UndoConfig
	code := 0
	cmd := newUndoCommand(context.Background(), e, &code, func(_ context.Context, cfg importer.UndoConfig) error {
		got = cfg
		return nil
	})
	cmd.SetArgs([]string{"--delete", "--allow-superusers", "--dry-run", "--report", "undo.jsonl", "--rate", "3", "import.csv"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Report != "import.csv" || !got.Delete || !got.DryRun || got.ReportPath != "undo.jsonl" || got.Rate != 3 ||
		got.URL != "https://auth.example.com" || got.Token != "env-token" || got.Concurrency != 8 || !got.AllowSuperusers {
		t.Errorf("got %+v", got)
	}
}

func TestSendRecoveryEmailFlag(t *testing.T) {
	cfg, err := parse(t, []string{"--send-recovery-email", "onboarding", "users.csv"},
		map[string]string{"AUTHENTIK_URL": "https://auth.example.com", "AUTHENTIK_TOKEN": "t"})
	if err != nil || cfg.SendRecoveryEmail != "onboarding" {
		t.Errorf("got %q, %v", cfg.SendRecoveryEmail, err)
	}
}
