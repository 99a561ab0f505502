package main

import (
	"errors"
	"os"
	"syscall"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
)

// exitRule maps the errors is matches to an exit code.
type exitRule struct {
	is   func(error) bool
	code int
}

// isErr matches errors that wrap one of targets.
func isErr(targets ...error) func(error) bool {
	return func(err error) bool {
		for _, t := range targets {
			if errors.Is(err, t) {
				return true
			}
		}
		return false
	}
}

// exitTable is the one table from errors to exit codes, for every
// command; the first rule that matches wins. The same fault gives the
// same code whichever command meets it (a background mount passes its
// code to the command that started it, mountError).
var exitTable = []exitRule{
	{func(err error) bool { var c codedError; return errors.As(err, &c) }, -1}, // see exitCode
	{isErr(errInterrupted, staging.ErrCanceled), exitcodes.Interrupted},        // a mount's commit stopped on request
	{isErr(errWouldReplace, burn.ErrNoSession), exitcodes.Usage},               // master over a multisession OUT without --force; --session N the medium lacks
	{isErr(writer.ErrNoTarget, mmc.ErrNoMedium, writer.ErrReplaced), exitcodes.NoTarget},
	{func(err error) bool {
		return isErr(writer.ErrNoSpace, staging.ErrNoSpace)(err) || platform.IsNoSpace(err)
	}, exitcodes.NoSpace},
	{isErr(writer.ErrClosed, staging.ErrClosed, syscall.EROFS), exitcodes.Closed},
	{isErr(writer.ErrVerify, master.ErrMismatch), exitcodes.VerifyFailed},
	{isErr(master.ErrNotISO), exitcodes.NotISO},
	{isErr(master.ErrSourceChanged), exitcodes.SourceChanged},
	{isErr(master.ErrBadName, master.ErrUnsupported, tree.ErrCompression), exitcodes.BadName}, // compression: a disc file no session can write anew
	{isErr(master.ErrUnverifiable), exitcodes.Unverifiable},
	{isErr(os.ErrNotExist, errNotMount), exitcodes.NotFound},
	{isErr(syscall.EBUSY, errAreaInUse, errMountPointBusy, errTargetBusy, errStagedChanges, staging.ErrBusy, platform.ErrVolumeInUse), exitcodes.Busy},
	{isErr(errNotExtracted), exitcodes.Other}, // extract skipped entries, each told in a warning
	{func(err error) bool {
		var se *mmc.SenseError
		return errors.As(err, &se) || errors.Is(err, mmc.ErrNoSimulation) || errors.Is(err, platform.ErrTransport) ||
			isErr(master.ErrCorrupt, master.ErrMediumData, tree.ErrZisofs)(err)
	}, exitcodes.Medium},
}

// codedError is an error that arrives with its exit code: one a mount
// running in the background reported through its ready pipe.
type codedError struct {
	err  error
	code int
}

func (e codedError) Error() string { return e.err.Error() }
func (e codedError) Unwrap() error { return e.err }
