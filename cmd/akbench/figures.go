package main

import (
	"fmt"
	"strings"
)

// verdict says whether a figure meets its goal; figures without a goal are informational.
type verdict int

const (
	noGoal verdict = iota
	met
	notMet
)

func (v verdict) String() string {
	switch v {
	case met:
		return "MET"
	case notMet:
		return "NOT MET"
	}
	return "—"
}

func judge(ok bool) verdict {
	if ok {
		return met
	}
	return notMet
}

// figure is one measured value with its goal and the ratio the goal is stated in.
type figure struct {
	name    string
	value   string
	goal    string // "" when informational
	ratio   string // "" when there is no ratio
	verdict verdict
}

// rowsPerSecond is an informational throughput figure with its ratio to the ideal.
func rowsPerSecond(name string, v, ideal float64) figure {
	return figure{name: name, value: fmt.Sprintf("%.0f rows/s", v), ratio: fmt.Sprintf("%.3f", v/ideal)}
}

// results are a whole run: the machine, the figures, and notes on how they were measured.
type results struct {
	header  []string // machine, sizes, elapsed
	figures []figure
	notes   []string
}

func (r *results) add(f figure) { r.figures = append(r.figures, f) }
func (r *results) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// text renders the figures as an aligned table for the terminal.
func (r *results) text() string {
	rows := [][]string{{"figure", "value", "goal", "ratio", "verdict"}}
	for _, f := range r.figures {
		rows = append(rows, []string{f.name, f.value, dash(f.goal), dash(f.ratio), f.verdict.String()})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	var b strings.Builder
	for _, h := range r.header {
		b.WriteString(h + "\n")
	}
	b.WriteString("\n")
	for n, row := range rows {
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(cell))+2))
			}
		}
		b.WriteString("\n")
		if n == 0 {
			for i, w := range widths {
				b.WriteString(strings.Repeat("-", w))
				if i < len(widths)-1 {
					b.WriteString("  ")
				}
			}
			b.WriteString("\n")
		}
	}
	if len(r.notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.notes {
			b.WriteString("- " + n + "\n")
		}
	}
	return b.String()
}

// markdown renders the same as a markdown table, for BENCHMARKS.md.
func (r *results) markdown() string {
	var b strings.Builder
	for _, h := range r.header {
		b.WriteString(h + "  \n")
	}
	b.WriteString("\n| figure | value | goal | ratio | verdict |\n|---|---:|---|---:|---|\n")
	for _, f := range r.figures {
		name := f.name
		if rest, ok := strings.CutPrefix(name, "  "); ok {
			name = "↳ " + rest // markdown drops the indent of a detail row
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, f.value, dash(f.goal), dash(f.ratio), f.verdict)
	}
	if len(r.notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.notes {
			b.WriteString("- " + n + "\n")
		}
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// mib formats bytes as MiB.
func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }
