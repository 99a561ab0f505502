package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/discstage/discstage/fs"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// controlPath names a file of a mount's control folder.
func controlPath(mountpoint, name string) string {
	return filepath.Join(mountpoint, fs.ControlName, name)
}

// readStatus reads the status of the mount at mountpoint.
func readStatus(mountpoint string) (staging.Status, error) {
	var s staging.Status
	b, err := os.ReadFile(controlPath(mountpoint, "status"))
	if errors.Is(err, os.ErrPermission) {
		return s, fmt.Errorf("the status of %s is private to the user who mounted it: %w", mountpoint, err)
	}
	if err != nil {
		return s, fmt.Errorf("%s is not a discstage mount: %w", mountpoint, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read status of %s: %w", mountpoint, err)
	}
	return s, nil
}

// actionError is a control action the mount refused; Errno tells why.
type actionError struct {
	Action string
	Errno  syscall.Errno
	Reason string
}

func (e *actionError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s: %s", e.Action, e.Reason)
	}
	return fmt.Sprintf("%s: %v", e.Action, e.Errno)
}

func (e *actionError) Unwrap() error { return e.Errno }

// control writes an action to the mount's ctl file. A refusal comes back
// with the reason the mount put in its status.
func control(mountpoint, action string) error {
	f, err := os.OpenFile(controlPath(mountpoint, "ctl"), os.O_WRONLY, 0)
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%s: only the user who mounted %s, and root, may act on it: %w", action, mountpoint, err)
	}
	if err != nil {
		return fmt.Errorf("%s is not a discstage mount: %w", mountpoint, err)
	}
	_, werr := f.Write([]byte(action + "\n"))
	f.Close()
	if werr == nil {
		return nil
	}
	ae := &actionError{Action: action}
	if !errors.As(werr, &ae.Errno) {
		return fmt.Errorf("%s: %w", action, werr)
	}
	if s, err := readStatus(mountpoint); err == nil {
		ae.Reason = s.LastError
	}
	return ae
}

// waitCommit follows a commit until it ends, drawing a progress bar.
func waitCommit(cmd *cobra.Command, mountpoint string, before int) (staging.Status, error) {
	out := io.Discard
	if term.IsTerminal(int(os.Stderr.Fd())) {
		out = cmd.ErrOrStderr()
	}
	bar := progressbar.NewOptions(100,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription("mastering"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
	defer bar.Finish()
	for {
		s, err := readStatus(mountpoint)
		if err != nil {
			return s, err
		}
		if s.State != staging.StateCommitting && s.Commits > before {
			if s.LastError != "" {
				return s, fmt.Errorf("commit failed: %s", s.LastError)
			}
			return s, nil
		}
		desc := s.Phase
		if s.ETASeconds > 0 {
			desc = fmt.Sprintf("%s (%s left)", s.Phase, (time.Duration(s.ETASeconds) * time.Second).String())
		}
		bar.Describe(desc)
		bar.Set(int(s.Percent))
		time.Sleep(200 * time.Millisecond)
	}
}

func init() {
	var closeDisc bool
	commit := &cobra.Command{
		Use:   "commit MOUNTPOINT",
		Short: "Write what is staged in a mount as a new session",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mp := args[0]
			before, err := readStatus(mp)
			if err != nil {
				return err
			}
			action := "commit"
			if closeDisc {
				action = "commit close"
			}
			if err := control(mp, action); err != nil {
				return err
			}
			s, err := waitCommit(cmd, mp, before.Commits)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "session %d written at LBA %d\n", s.Sessions, s.LastSession)
			return nil
		},
	}
	commit.Flags().BoolVar(&closeDisc, "close", false, "close (finalize) the disc after this session")

	eject := &cobra.Command{
		Use:   "eject MOUNTPOINT",
		Short: "Commit what is staged, then unmount and eject the disc",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mp := args[0]
			before, err := readStatus(mp)
			if err != nil {
				return err
			}
			if err := control(mp, "eject"); err != nil {
				return err
			}
			// The mount goes away once the commit (if any) succeeded; a
			// failed commit leaves it mounted with the reason in status.
			for i := 0; i < 36000; i++ {
				if m, err := platform.Mounted(mp); err != nil || !m {
					return err
				}
				s, err := readStatus(mp)
				if err == nil && before.Pending && s.State != staging.StateCommitting && s.Commits > before.Commits && s.LastError != "" {
					return fmt.Errorf("eject: commit failed: %s", s.LastError)
				}
				time.Sleep(100 * time.Millisecond)
			}
			return fmt.Errorf("eject: %s is still mounted: %w", mp, syscall.EBUSY)
		},
	}

	var asJSON bool
	status := &cobra.Command{
		Use:   "status MOUNTPOINT",
		Short: "Show what a mount has staged and how a commit is going",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				b, err := os.ReadFile(controlPath(args[0], "status"))
				if err != nil {
					return fmt.Errorf("%s is not a discstage mount: %w", args[0], err)
				}
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			s, err := readStatus(args[0])
			if err != nil {
				return err
			}
			printStatus(cmd, s)
			return nil
		},
	}
	status.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")

	unmount := &cobra.Command{
		Use:   "unmount MOUNTPOINT",
		Short: "Unmount a mount; staged files stay for the next mount",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mp := args[0]
			s, serr := readStatus(mp)
			if serr == nil && s.State == staging.StateCommitting {
				return fmt.Errorf("unmount %s: a commit is running: %w", mp, syscall.EBUSY)
			}
			if err := platform.Unmount(mp); err != nil {
				return err
			}
			if serr == nil && s.Pending {
				fmt.Fprintf(cmd.OutOrStdout(), "%s (%s) %s for the next commit\n", plural(s.StagedFiles, "staged file"), humanize.IBytes(uint64(s.StagedBytes)), map[bool]string{true: "waits", false: "wait"}[s.StagedFiles == 1])
			}
			return nil
		},
	}
	rootCmd.AddCommand(commit, eject, status, unmount)

	codeMappers = append(codeMappers, func(err error) int {
		switch {
		case errors.Is(err, syscall.EBUSY), errors.Is(err, errAreaInUse), errors.Is(err, errMountPointBusy):
			return exitcodes.Busy
		case errors.Is(err, syscall.ENOSPC):
			return exitcodes.NoSpace
		case errors.Is(err, syscall.EROFS):
			return exitcodes.Closed
		}
		return 0
	})
}

// printStatus shows a status for people.
func printStatus(cmd *cobra.Command, s staging.Status) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "state:     %s\n", s.State)
	if s.Pending {
		fmt.Fprintf(w, "staged:    %s, %s; next session about %s\n", plural(s.StagedFiles, "file"),
			humanize.IBytes(uint64(s.StagedBytes)), humanize.IBytes(uint64(s.ProjectedSectors)*2048))
	} else {
		fmt.Fprintln(w, "staged:    nothing")
	}
	free := "unbounded"
	if s.FreeSectors >= 0 {
		free = humanize.IBytes(uint64(s.FreeSectors) * 2048)
	}
	closed := ""
	if s.Closed {
		closed = " (closed)"
	}
	if s.MediumError == "" {
		fmt.Fprintf(w, "medium:    %s, %s free%s\n", plural(s.Sessions, "session"), free, closed)
	}
	if s.Area != "" && s.AreaFree >= 0 {
		fmt.Fprintf(w, "staging:   %s, %s free\n", s.Area, humanize.IBytes(uint64(s.AreaFree)))
	}
	if s.State == staging.StateCommitting {
		fmt.Fprintf(w, "commit:    %s %.0f%% (%s of %s), about %s left\n", s.Phase, s.Percent,
			humanize.IBytes(uint64(s.Done)), humanize.IBytes(uint64(s.Total)), time.Duration(s.ETASeconds)*time.Second)
	}
	if s.MediumError != "" {
		fmt.Fprintf(w, "medium:    %s\n", s.MediumError)
	}
	if s.LastError != "" {
		fmt.Fprintf(w, "last error: %s\n", s.LastError)
	}
}

// plural says "1 file", "2 files".
func plural[N int | int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
