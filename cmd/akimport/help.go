package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The headings of --help, in order; a flag without one (--help) goes under run control.
var flagGroups = []string{"connection", "input", "output", "pace", "sync", "run control"}

// group puts flags under a heading of --help; the expert ones show with --help-all only.
func group(f *pflag.FlagSet, name string, shown []string, expert ...string) {
	for _, flag := range shown {
		_ = f.SetAnnotation(flag, "group", []string{name})
	}
	for _, flag := range expert {
		_ = f.SetAnnotation(flag, "group", []string{name, "expert"})
	}
}

func isExpert(f *pflag.Flag) bool { return len(f.Annotations["group"]) > 1 }

// groupedFlags are cmd's shown flags by heading, in flagGroups' order, and how many expert
// ones are left out (none with all).
func groupedFlags(cmd *cobra.Command, all bool) (groups [][]*pflag.Flag, expert int) {
	groups = make([][]*pflag.Flag, len(flagGroups))
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		name := "run control"
		if a := f.Annotations["group"]; len(a) > 0 {
			name = a[0]
		}
		switch g := slices.Index(flagGroups, name); {
		case f.Hidden:
		case isExpert(f) && !all:
			expert++
		default:
			groups[g] = append(groups[g], f)
		}
	})
	return groups, expert
}

// addHelpAll gives cmd --help-all and a help that shows its flags under headings.
func addHelpAll(cmd *cobra.Command) {
	all := cmd.Flags().Bool("help-all", false, "show every flag, the expert ones too")
	_ = cmd.Flags().MarkHidden("help-all")
	args := cmd.Args
	cmd.Args = func(c *cobra.Command, a []string) error {
		if *all {
			return nil
		}
		return args(c, a)
	}
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, a []string) error {
		if *all {
			return printHelp(c, true)
		}
		return run(c, a)
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) { _ = printHelp(c, false) })
}

// printHelp writes cmd's help: its description, usage, examples, then the flags under their
// headings, all aligned as one table.
func printHelp(cmd *cobra.Command, all bool) error {
	groups, expert := groupedFlags(cmd, all)
	table := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	table.SortFlags = false
	for _, g := range groups {
		for _, f := range g {
			table.AddFlag(f) // one line each: the lines are cut into groups below
		}
	}
	lines := strings.SplitAfter(table.FlagUsagesWrapped(0), "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nUsage:\n  %s\n", strings.TrimSpace(cmd.Long), cmd.UseLine())
	if cmd.Example != "" {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", cmd.Example)
	}
	for i, g := range groups {
		if len(g) > 0 {
			fmt.Fprintf(&b, "\n%s%s:\n%s", strings.ToUpper(flagGroups[i][:1]), flagGroups[i][1:], strings.Join(lines[:len(g)], ""))
			lines = lines[len(g):]
		}
	}
	if expert > 0 {
		fmt.Fprintf(&b, "\n%d more flags for experts: %s --help-all\n", expert, cmd.CommandPath())
	}
	_, err := fmt.Fprint(cmd.OutOrStdout(), b.String())
	return err
}
