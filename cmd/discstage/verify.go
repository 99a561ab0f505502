package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/writer"
	"github.com/spf13/cobra"
)

// errVerifyFailed and errUnverifiable are what `discstage verify` returns
// when a session is bad or has no checksums; they wrap the master errors
// so that the exit code follows.
var (
	errVerifyFailed = fmt.Errorf("verify: %w", master.ErrMismatch)
	errUnverifiable = fmt.Errorf("verify: %w", master.ErrUnverifiable)
)

func init() {
	var (
		tf    targetFlags
		sf    sessionFlag
		all   bool
		level string
	)
	cmd := &cobra.Command{
		Use:   "verify TARGET",
		Short: "Check sessions against the MD5 checksums recorded on the medium",
		Long: `verify checks sessions of TARGET against the checksums recorded in them in
libisofs' format (as discstage and xorriso -md5 on / -for_backup write them).

--level quick checks the superblock and tree checksum tags: the volume
descriptors and the directory tree. --level session also reads every sector of
the session and checks it against the session tag and the checksum array (what
append and commit check after they write). --level full (the default) then also
reads every file, wherever it lies, and compares it with its recorded MD5.

Each session gets one line: "good", "BAD" followed by one line per problem (the
file by path, or the region by LBAs), or "unverifiable" when the session has no
checksums (it was read through without error, which proves nothing about its
content). On an image file or an overwritable disc, the chain of session heads
from LBA 32 is checked, and with the newest session the copy of its
descriptors at LBA 0-31, where every reader starts: "superblock ... good" or
"BAD" with its problems. Exit code 0: all checked good; 9: some session, the
chain or the superblock is bad; 13: none bad but some unverifiable.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lv, err := master.ParseVerifyLevel(level)
			if err != nil || lv == master.VerifyNone {
				return usageError{fmt.Errorf("unknown --level %q (quick, session, full)", level)}
			}
			if all && sf.n != 0 {
				return usageError{errors.New("--session and --all exclude each other")}
			}
			tf.readOnly = true
			t, err := openTarget(args[0], tf)
			if err != nil {
				return err
			}
			defer t.Close()
			// Listed, not probed: a probe reads every session's tree for
			// the next writable address, and a damaged one would stop
			// the verification that is to report it.
			m, err := writer.List(t)
			if err != nil {
				return err
			}
			if len(m.Sessions) == 0 {
				return fmt.Errorf("verify %s: no session: %w", args[0], master.ErrNotISO)
			}
			pick := m.Sessions[len(m.Sessions)-1:]
			for i := len(m.Sessions) - 1; i > 0 && m.Sessions[i].Incomplete; i-- {
				pick = m.Sessions[i-1 : i] // the newest: the newest readable one
			}
			switch {
			case all:
				pick = m.Sessions
			case sf.n != 0:
				if sf.n > len(m.Sessions) {
					return usageError{fmt.Errorf("--session %d: the medium has sessions 1 to %d", sf.n, len(m.Sessions))}
				}
				pick = m.Sessions[sf.n-1 : sf.n]
			}
			// Ctrl-C stops the check at its next read; the sessions
			// checked before are printed.
			ctx := cmd.Context()
			r := stopReaderAt{ctx, t}
			checked := 0
			stopped := func(what string) error {
				return fmt.Errorf("%w: verify %s: stopped while checking %s, with %d of %d sessions checked",
					errInterrupted, args[0], what, checked, len(pick))
			}
			bad, unverifiable := 0, 0
			for _, s := range pick {
				if s.Incomplete && len(pick) > 1 {
					// Not a session that was ever written whole: its loss was
					// reported when it was closed.
					fmt.Fprintf(cmd.OutOrStdout(), "session %d at LBA %d: incomplete: an interrupted burn left it, it holds no whole session\n", s.Number, s.Start)
					continue
				}
				rep, err := master.Verify(r, m.Readable, s.Start, lv)
				if ctx.Err() != nil {
					return stopped(fmt.Sprintf("session %d at LBA %d", s.Number, s.Start))
				}
				checked++
				switch printVerify(cmd.OutOrStdout(), s.Number, rep, err) {
				case verifyBad:
					bad++
				case verifyUnverifiable:
					unverifiable++
				}
			}
			superBad := false
			if m.Grown {
				err := master.CheckChain(r, m.Readable)
				if ctx.Err() != nil {
					return stopped("the chain of session heads")
				}
				if err != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "chain of session heads: BAD: %v\n", err)
					superBad = true
				}
			}
			if newest := m.Sessions[len(m.Sessions)-1]; m.Grown && newest.Start >= writer.FirstGrownSession && pick[len(pick)-1] == newest {
				// Readers start from LBA 16: the copy of the newest
				// session's descriptors there is what they see.
				rep, err := master.VerifySuperblock(r, m.Readable, newest.Start)
				if ctx.Err() != nil {
					return stopped("the superblock")
				}
				superBad = printSuperblock(cmd.OutOrStdout(), newest.Number, rep, err) || superBad
			}
			switch {
			case bad > 0 && superBad:
				return fmt.Errorf("%d of %d sessions and the medium's superblock or chain of session heads failed: %w", bad, len(pick), errVerifyFailed)
			case superBad:
				return fmt.Errorf("the medium's superblock or chain of session heads failed: %w", errVerifyFailed)
			case bad > 0:
				return fmt.Errorf("%d of %d sessions failed: %w", bad, len(pick), errVerifyFailed)
			case unverifiable > 0:
				return fmt.Errorf("%d of %d sessions have no checksums: %w", unverifiable, len(pick), errUnverifiable)
			}
			return nil
		},
	}
	tf.register(cmd)
	cmd.Flags().Var(&sf, "session", "check session N (from 1; default: the newest)")
	cmd.Flags().BoolVar(&all, "all", false, "check every session")
	cmd.Flags().StringVar(&level, "level", "full", "quick (tags, descriptors and tree), session (every sector of the session) or full (also every file)")
	rootCmd.AddCommand(cmd)
}

// verifyOutcome classifies one session's result.
type verifyOutcome int

const (
	verifyGood verifyOutcome = iota
	verifyBad
	verifyUnverifiable
)

// printSuperblock prints the result of the check of LBA 0-31 against
// session number newest and reports whether it is bad.
func printSuperblock(w io.Writer, newest int, rep *master.VerifyReport, err error) bool {
	head := fmt.Sprintf("superblock at LBA 0-31 (copy of session %d's descriptors)", newest)
	switch {
	case err == nil:
		fmt.Fprintf(w, "%s: good, %d tags\n", head, len(rep.Tags))
		return false
	case errors.Is(err, master.ErrMismatch):
		fmt.Fprintf(w, "%s: BAD\n", head)
	default:
		fmt.Fprintf(w, "%s: BAD: %v\n", head, err)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	return true
}

// printVerify prints one session's result and classifies it. An error
// that is neither a mismatch nor "no checksums" (an unreadable or
// corrupt session) counts as bad.
func printVerify(w io.Writer, number int, rep *master.VerifyReport, err error) verifyOutcome {
	head := fmt.Sprintf("session %d at LBA %d", number, rep.Start)
	stats := fmt.Sprintf("%d sectors read, %d files checked", rep.Sectors, rep.Files)
	if rep.Unchecked > 0 {
		stats += fmt.Sprintf(", %d files without MD5", rep.Unchecked)
	}
	switch {
	case err == nil:
		fmt.Fprintf(w, "%s: good (%d tags; %s)\n", head, len(rep.Tags), stats)
		return verifyGood
	case errors.Is(err, master.ErrUnverifiable):
		fmt.Fprintf(w, "%s: unverifiable: no checksums recorded (%s, no read errors)\n", head, stats)
		return verifyUnverifiable
	case errors.Is(err, master.ErrMismatch):
		fmt.Fprintf(w, "%s: BAD (%s)\n", head, stats)
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		return verifyBad
	}
	fmt.Fprintf(w, "%s: BAD: %v\n", head, err)
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	return verifyBad
}
