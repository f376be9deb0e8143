package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite docs/flags.md from the command definitions")

// helpOf runs `akimport args...` and returns what it printed.
func helpOf(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := environment{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	if code := execute(context.Background(), args, e); code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, code, &stderr)
	}
	return stdout.String()
}

var flagLine = regexp.MustCompile(`(?m)^  (?:-\w, )?    --([\w-]+)|^  -\w, --([\w-]+)`)

// shownFlags are the flag names a help text lists.
func shownFlags(help string) []string {
	var names []string
	for _, m := range flagLine.FindAllStringSubmatch(help, -1) {
		names = append(names, m[1]+m[2])
	}
	return names
}

func TestHelpGroupsFlags(t *testing.T) {
	for _, command := range []string{"import", "undo"} {
		t.Run(command, func(t *testing.T) {
			short, all := helpOf(t, command, "--help"), helpOf(t, command, "--help-all")
			// The lead's --delimiter, --encoding and --sheet come on top in import: 24 at most then.
			if n := len(shownFlags(short)); n > 24 || n < 10 {
				t.Errorf("--help shows %d flags, want 10 to 24 (issue 17):\n%s", n, short)
			}
			cmd := newRootCommand(context.Background(), environment{}, new(int))
			sub, _, _ := cmd.Find([]string{command})
			sub.InitDefaultHelpFlag()
			var every []string
			sub.Flags().VisitAll(func(f *pflag.Flag) {
				if !f.Hidden {
					every = append(every, f.Name)
				}
				if strings.Contains(f.Usage, "\n") {
					t.Errorf("--%s: a usage of two lines would shift the help's groups", f.Name)
				}
			})
			if got := shownFlags(all); len(got) != len(every) {
				t.Errorf("--help-all shows %v, want every flag %v", got, every)
			}
			for _, h := range []string{short, all} {
				last := -1
				for _, heading := range []string{"\nConnection:\n", "\nOutput:\n", "\nPace:\n", "\nSync:\n", "\nRun control:\n"} {
					i := strings.Index(h, heading)
					if i < last {
						t.Errorf("heading %q missing or out of order", heading)
					}
					last = i
				}
			}
			if !strings.Contains(short, "--help-all") || strings.Contains(short, "--burst") || !strings.Contains(all, "--burst") {
				t.Errorf("expert flags: --help:\n%s", short)
			}
		})
	}
}

// Every flag akimport import had before the help was grouped still parses.
func TestEveryOldFlagStillWorks(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("t"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--url", "https://a.example", "--token-file", tokenFile, "--insecure", "--format", "csv", "--report", "r.csv",
		"--report-format", "csv", "--concurrency", "auto", "--max-concurrency", "9", "--rate", "3", "--burst", "2", "--dry-run",
		"--on-existing", "update", "--lookup", "per-row", "--reactivate", "--resume", "old.csv", "--mapping", "m.yaml",
		"--timeout", "3s", "--retries", "1", "--log-format", "json", "--progress", "never", "--progress-interval", "2s",
		"--max-errors", "4", "--deactivate-missing", "--scope-path", "users", "--max-deactivate", "7", "--summary-json", "s.json",
		"--metrics-file", "m.prom", "--startup-wait", "5s", "--send-recovery-email", "stage", "-v",
		"--groups-mode", "add", "--allow-superusers", "users.csv"}
	cfg, err := parse(t, args, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Burst != 2 || cfg.MaxConcurrency != 9 || cfg.MaxErrors != 4 || !cfg.AllowSuperusers || cfg.GroupsMode != "add" || !cfg.LogJSON {
		t.Errorf("got %+v", cfg)
	}
}

// docs/flags.md is generated from the command definitions: this fails when it is stale, and
// -update rewrites it.
func TestFlagsDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "flags.md")
	got := flagsMarkdown()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != got {
		t.Errorf("%s is stale (%v): run go generate ./cmd/akimport", path, err)
	}
}

// flagsMarkdown is the flag reference of every command, grouped as --help-all groups them.
func flagsMarkdown() string {
	var b strings.Builder
	b.WriteString("# akimport's flags\n\nGenerated from the command definitions (`go generate ./cmd/akimport`); do not edit.\n" +
		"Flags marked *expert* are listed by `--help-all` only.\n")
	root := newRootCommand(context.Background(), environment{}, new(int))
	for _, name := range []string{"import", "undo"} {
		cmd, _, _ := root.Find([]string{name})
		fmt.Fprintf(&b, "\n## akimport %s\n\n%s\n", cmd.Use, cmd.Short)
		groups, _ := groupedFlags(cmd, true)
		for i, g := range groups {
			if len(g) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\n### %s%s\n\n| flag | default | meaning |\n| --- | --- | --- |\n", strings.ToUpper(flagGroups[i][:1]), flagGroups[i][1:])
			for _, f := range g {
				flagName, usage := pflag.UnquoteUsage(f)
				cell := "`--" + f.Name
				if flagName != "" {
					cell += " " + flagName
				}
				cell += "`"
				if f.Shorthand != "" {
					cell += " (`-" + f.Shorthand + "`)"
				}
				if isExpert(f) {
					usage += " *(expert)*"
				}
				def := f.DefValue
				if def == "" || (f.Value.Type() == "bool" && def == "false") {
					def = "—"
				} else {
					def = "`" + def + "`"
				}
				fmt.Fprintf(&b, "| %s | %s | %s |\n", cell, def, strings.ReplaceAll(usage, "|", `\|`))
			}
		}
	}
	return b.String()
}

func TestDescribeBuild(t *testing.T) {
	stamp := func(kv ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
		for i := 0; i < len(kv); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return info
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"from a clone", stamp("vcs.revision", "5f65b455f9dfd58b92da6b4604e032215cdfd8d1", "vcs.time", "2026-12-07T13:43:54Z", "vcs.modified", "false"),
			"commit 5f65b455f9df, 2026-12-07T13:43:54Z"},
		{"with local changes", stamp("vcs.revision", "5f65b455f9dfd58b92da6b4604e032215cdfd8d1", "vcs.time", "2026-12-07T13:43:54Z", "vcs.modified", "true"),
			"commit 5f65b455f9df with local changes, 2026-12-07T13:43:54Z"},
		{"no stamp", stamp(), "commit unknown: not built from a git clone, or built with -buildvcs=false"},
	}
	for _, tt := range tests {
		if _, got := describeBuild(tt.info); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Built from a git clone, `akimport version` names the commit the toolchain stamped.
func TestVersionShowsTheCommit(t *testing.T) {
	bin := akimportBinary(t)
	stamp, err := exec.Command("go", "version", "-m", bin).Output()
	m := regexp.MustCompile(`vcs\.revision=(\w{12})`).FindSubmatch(stamp)
	if err != nil || m == nil {
		t.Skip("built without a VCS stamp: not a git clone (go build does not stamp in a git worktree)")
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.Contains(string(out), "(commit "+string(m[1])) {
		t.Errorf("akimport version = %q (%v), want commit %s", out, err, m[1])
	}
}
