// Command discstage turns a mounted folder into the burn staging area of
// an optical disc, and masters, appends, lists and verifies multisession
// ISO 9660 + Joliet + Rock Ridge images and discs.
//
// Each subcommand lives in a file of its own and adds itself to the root
// command in an init function. Errors are mapped to the exit codes of
// package exitcodes in one place, exitCode.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/writer"
	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:           "discstage",
	Short:         "Stage files for an optical disc and burn them as new sessions",
	SilenceUsage:  true,
	SilenceErrors: true,
	PersistentPreRun: func(cmd *cobra.Command, _ []string) {
		interrupts.setQuit(quitsAtOnce(cmd))
	},
}

// usageError marks an error in the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	rootCmd.InitDefaultCompletionCmd()
	rootCmd.InitDefaultHelpCmd()
	markUsageErrors(rootCmd)
	completeFlagValues(rootCmd)
	if _, _, err := rootCmd.Find(os.Args[1:]); err != nil && !completionRequest(os.Args[1:]) {
		// An unknown command.
		err = usageError{err}
		fmt.Fprintln(os.Stderr, "discstage:", errorText(err))
		os.Exit(exitCode(err))
	}
	if err := rootCmd.ExecuteContext(interrupts.start()); err != nil {
		fmt.Fprintln(os.Stderr, "discstage:", errorText(err))
		os.Exit(exitCode(err))
	}
}

// completionRequest tells whether args ask for shell completion: the
// hidden command the completion scripts call, which cobra adds only as
// it executes, so Find does not know it.
func completionRequest(args []string) bool {
	return len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
}

// flagValues are the values shell completion offers for the flags that
// take one of a few.
var flagValues = map[string][]string{
	"progress": {"auto", "bar", "lines", "json", "none"},
	"level":    {"quick", "session", "full"},
	"udf":      {"1.02", "2.01", "2.50", "off"},
	"media":    strings.Split(writer.MediaNames(), ", "),
}

// completeFlagValues offers flagValues for those flags of cmd and of
// every command beneath it.
func completeFlagValues(cmd *cobra.Command) {
	for name, values := range flagValues {
		if cmd.Flags().Lookup(name) != nil {
			cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	for _, sub := range cmd.Commands() {
		completeFlagValues(sub)
	}
}

// markUsageErrors makes every error cobra finds in the command line
// itself (an unknown flag, a wrong number of arguments, an unknown
// subcommand) a usageError, in cmd and every command beneath it.
func markUsageErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		markUsageErrors(sub)
	}
}

// exitCode maps an error to the exit code a script sees.
func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return exitcodes.Usage
	}
	var ce codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	for _, r := range exitTable {
		if r.is(err) {
			return r.code
		}
	}
	return exitcodes.Other
}
