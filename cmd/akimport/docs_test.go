package main

import (
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// mdLink is an inline Markdown link or image: [text](target) or [text](target "title").
var mdLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestDocLinks checks that every relative link of the top-level *.md files and docs/*.md
// names a file that exists and, for a #fragment into a Markdown file, one of its headings.
func TestDocLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	top, _ := filepath.Glob(filepath.Join(root, "*.md"))
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files := append(top, docs...)
	if len(files) < 3 {
		t.Fatalf("found only %v", files)
	}
	anchors := map[string][]string{} // cleaned path → heading anchors
	checked := 0
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links(string(text)) {
			target, fragment, _ := strings.Cut(l.target, "#")
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path := filepath.Clean(filepath.Join(filepath.Dir(file), filepath.FromSlash(target)))
			if target == "" {
				path = filepath.Clean(file)
			}
			checked++
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s:%d: link %q: no file %s", file, l.line, l.target, path)
				continue
			}
			if fragment == "" || !strings.HasSuffix(path, ".md") {
				continue
			}
			if _, ok := anchors[path]; !ok {
				b, _ := os.ReadFile(path)
				anchors[path] = headingAnchors(string(b))
			}
			if !slices.Contains(anchors[path], fragment) {
				t.Errorf("%s:%d: link %q: %s has no heading with the anchor #%s", file, l.line, l.target, path, fragment)
			}
		}
	}
	if checked == 0 {
		t.Error("no relative links found: is the parser broken?")
	}
}

type link struct {
	target string
	line   int
}

// links are the Markdown links of text outside fenced code blocks and code spans.
func links(text string) []link {
	var out []link
	fenced := false
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(withoutCodeSpans(line), -1) {
			out = append(out, link{target: m[1], line: i + 1})
		}
	}
	return out
}

// withoutCodeSpans blanks `code` spans, where brackets are text, not links.
func withoutCodeSpans(line string) string {
	parts := strings.Split(line, "`")
	for i := 1; i < len(parts); i += 2 {
		parts[i] = strings.Repeat(" ", len(parts[i]))
	}
	return strings.Join(parts, " ")
}

// headingAnchors are the anchors GitHub gives a document's headings: lower case, letters,
// digits, spaces, - and _ kept, spaces turned into -; a repeated anchor gets -1, -2, ….
func headingAnchors(text string) []string {
	var out []string
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			seen[a] = n + 1
			a += "-" + strconv.Itoa(n)
		} else {
			seen[a] = 1
		}
		out = append(out, a)
	}
	return out
}

func TestHeadingAnchors(t *testing.T) {
	got := headingAnchors("# How it stays safe\n```\n# not a heading\n```\n## 3. Deactivation needs every identity\n" +
		"## Groups added by hand: `--groups-mode add`\n## Finding the server's pace\n## Notes\n## Notes\n")
	want := []string{"how-it-stays-safe", "3-deactivation-needs-every-identity", "groups-added-by-hand---groups-mode-add",
		"finding-the-servers-pace", "notes", "notes-1"}
	if !slices.Equal(got, want) {
		t.Errorf("anchors %q, want %q", got, want)
	}
	if l := links("see [a](x.md#y) and `[b](no.md)`\n```\n[c](no.md)\n```\n![d](img.png \"t\")"); len(l) != 2 || l[0].target != "x.md#y" || l[1].target != "img.png" {
		t.Errorf("links %+v", l)
	}
}

// TestArchitectureGraph checks the import graph drawn in docs/architecture.md against the
// packages' real imports (non-test files): every package linked into akimport is drawn,
// with exactly the module's packages it imports.
func TestArchitectureGraph(t *testing.T) {
	const module = "github.com/akimport/akimport/"
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	drawn := drawnGraph(t, string(doc))
	want := []string{"cmd/akimport", "importer", "importer/authentik", "importer/execute", "importer/limit",
		"importer/plan", "importer/record", "mapping", "report"}
	for _, pkg := range want {
		if _, ok := drawn[pkg]; !ok {
			t.Errorf("docs/architecture.md does not draw %s", pkg)
		}
	}
	for pkg, imports := range drawn {
		p, err := build.Default.ImportDir(filepath.Join(root, filepath.FromSlash(pkg)), 0)
		if err != nil {
			t.Errorf("%s: %v", pkg, err)
			continue
		}
		var real []string
		for _, imp := range p.Imports {
			if rest, ok := strings.CutPrefix(imp, module); ok {
				real = append(real, rest)
			}
		}
		slices.Sort(real)
		if !slices.Equal(real, imports) {
			t.Errorf("docs/architecture.md draws %s importing %v; it imports %v", pkg, imports, real)
		}
	}
}

// drawnGraph reads the first code block under "## Packages": lines "a, b ──► c, d (note)",
// continued on indented lines; "nothing of ours" is no import.
func drawnGraph(t *testing.T, doc string) map[string][]string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "## Packages")
	if !ok {
		t.Fatal(`docs/architecture.md has no "## Packages"`)
	}
	_, rest, _ = strings.Cut(rest, "```\n")
	block, _, _ := strings.Cut(rest, "```")
	note := regexp.MustCompile(`\([^)]*\)`)
	graph := map[string][]string{}
	var from []string
	for _, line := range strings.Split(block, "\n") {
		line = note.ReplaceAllString(line, "")
		var to string
		if l, r, ok := strings.Cut(line, "►"); ok {
			from, to = fields(strings.TrimRight(l, "─ ")), r
		} else {
			to = line
		}
		for _, pkg := range from {
			if _, ok := graph[pkg]; !ok {
				graph[pkg] = []string{}
			}
			if strings.TrimSpace(to) != "nothing of ours" {
				graph[pkg] = append(graph[pkg], fields(to)...)
			}
		}
	}
	for pkg := range graph {
		slices.Sort(graph[pkg])
	}
	return graph
}

func fields(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(strings.Trim(f, "─ ")); f != "" {
			out = append(out, f)
		}
	}
	return out
}
