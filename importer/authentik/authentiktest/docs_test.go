package authentiktest_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// factID matches an authentik behaviour's id as code and docs cite it: F-U3, F-U3a, F-L6.
var factID = regexp.MustCompile(`\bF-[A-Z]\d+[a-z]?\b`)

// factEntry matches where docs/authentik.md defines an id: a list item that starts with it.
var factEntry = regexp.MustCompile(`(?m)^- \*\*(F-[A-Z]\d+[a-z]?)\*\*`)

// TestDocumentedFacts keeps docs/authentik.md and the code in step: every id a .go file
// cites is defined there, and every id defined there is named by a test of the simulator,
// or says in its entry that it is not simulated, and why.
func TestDocumentedFacts(t *testing.T) {
	root := repoRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "authentik.md"))
	if err != nil {
		t.Fatal(err)
	}
	entries := factEntries(string(doc))
	if len(entries) < 30 {
		t.Fatalf("docs/authentik.md defines %d ids; want every behaviour (F-A1 … F-S1)", len(entries))
	}

	cited := map[string][]string{} // id → files citing it
	simulated := map[string]bool{} // ids named by the simulator's tests
	simDir := filepath.Join(root, "importer", "authentik", "authentiktest")
	self := filepath.Join(simDir, "docs_test.go")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || path == self {
			return nil // this file's examples are no citations
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, id := range uniqueIDs(string(b)) {
			cited[id] = append(cited[id], rel)
			if filepath.Dir(path) == simDir && strings.HasSuffix(path, "_test.go") {
				simulated[id] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for id, files := range cited {
		if _, ok := entries[id]; !ok {
			t.Errorf("%s is cited by %s but not defined in docs/authentik.md", id, strings.Join(files, ", "))
		}
	}
	for id, text := range entries {
		notSimulated := strings.Contains(text, "*Not simulated:*")
		switch {
		case !simulated[id] && !notSimulated:
			t.Errorf("docs/authentik.md: %s is named by no test in importer/authentik/authentiktest; name it in the test that checks it, or say in its entry \"*Not simulated:* why\"", id)
		case simulated[id] && notSimulated:
			t.Errorf("docs/authentik.md: %s says it is not simulated, but a simulator test names it", id)
		}
	}
}

// factEntries maps each id docs/authentik.md defines to its entry's text (up to the next
// entry or heading); an id defined twice is a test failure of its own.
func factEntries(doc string) map[string]string {
	entries := map[string]string{}
	locs := factEntry.FindAllStringSubmatchIndex(doc, -1)
	for i, loc := range locs {
		end := len(doc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		if h := strings.Index(doc[loc[1]:end], "\n#"); h >= 0 {
			end = loc[1] + h
		}
		id := doc[loc[2]:loc[3]]
		if _, dup := entries[id]; dup {
			entries[id] += "\n(defined twice)"
		}
		entries[id] += doc[loc[0]:end]
	}
	return entries
}

func uniqueIDs(text string) []string {
	ids := factID.FindAllString(text, -1)
	slices.Sort(ids)
	return slices.Compact(ids)
}

func TestFactEntries(t *testing.T) {
	doc := "# t\n- **F-A1** one\n  more F-A2 cited.\n- **F-U3a** two *Not simulated:* why.\n## next\ntext F-Z9\n"
	got := factEntries(doc)
	if len(got) != 2 || !strings.Contains(got["F-A1"], "more F-A2") || strings.Contains(got["F-U3a"], "next") {
		t.Errorf("entries %q", got)
	}
	if ids := uniqueIDs("F-U3 F-U3a F-U3, XF-U4 F-u5 F-L12"); !slices.Equal(ids, []string{"F-L12", "F-U3", "F-U3a"}) {
		t.Errorf("ids %v", ids)
	}
}

// repoRoot is the module's root: the nearest directory above with a go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
