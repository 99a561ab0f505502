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

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:           "discstage",
	Short:         "Stage files for an optical disc and burn them as new sessions",
	SilenceUsage:  true,
	SilenceErrors: true,
	// Cobra parses flags, finds the command and checks its arguments
	// before it runs this hook: an error before it is the command line's.
	PersistentPreRun: func(*cobra.Command, []string) { started = true },
}

// started is set once the command line is parsed and accepted and the
// command itself begins.
var started bool

// usageError marks an error in the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	rootCmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "discstage:", err)
		os.Exit(exitCode(err))
	}
}

// codeMappers let each subcommand's file register how the errors of the
// packages it uses map to exit codes. The first mapper that returns a
// non-zero code wins.
var codeMappers []func(error) int

// exitCode maps an error to the exit code a script sees.
func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || !started {
		return exitcodes.Usage
	}
	for _, m := range codeMappers {
		if c := m(err); c != 0 {
			return c
		}
	}
	return exitcodes.Other
}
