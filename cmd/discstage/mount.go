package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/discstage/discstage/fs"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/ready"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/targets"
	"github.com/spf13/cobra"
)

// mountFlags are the flags of the mount command.
type mountFlags struct {
	target     targetFlags
	staging    string
	foreground bool
	allowOther bool
	nonempty   bool
	volumeID   string
	debug      bool
	waitOpen   time.Duration
	noButton   bool
	adapter    string
	udf        udfFlag
}

func init() {
	var f mountFlags
	cmd := &cobra.Command{
		Use:   "mount TARGET MOUNTPOINT",
		Short: "Mount the staging area of a target: the disc's files plus what waits for the next session",
		Long: `Mount shows the newest session of TARGET (an image file, created blank when
missing) at MOUNTPOINT, read-write. Files copied in are staged on local disk
until "discstage commit" writes them as a new session. Staged changes survive
unmounting, crashes and reboots.

By default the mount runs in the background and the command returns once it
serves; --foreground keeps it attached. Other users cannot see it unless
--allow-other is given.

MOUNTPOINT must be an empty folder (--nonempty mounts over one that is not)
and not already a mount; on Windows it is a drive letter no drive uses ("X:")
or a folder that does not exist yet, in one that does (WinFsp makes it); the dead mount a killed discstage leaves behind is
cleaned up and mounted again. A mount that fails leaves no new image and no
new staging area behind.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.allowOther {
				if err := platform.AllowOther(); err != nil {
					return fmt.Errorf("mount: --allow-other: %w", err)
				}
			}
			if !f.foreground {
				return mountBackground(cmd, args)
			}
			return mountForeground(cmd, args[0], args[1], f)
		},
	}
	f.target.registerBurn(cmd)
	cmd.Flags().StringVar(&f.staging, "staging", "", "staging area directory (default: $XDG_DATA_HOME/discstage/<target>-<hash>, on Windows %LOCALAPPDATA%\\discstage\\<target>-<hash>)")
	cmd.Flags().BoolVar(&f.foreground, "foreground", false, "stay attached until unmounted")
	cmd.Flags().BoolVar(&f.allowOther, "allow-other", false, "let other users see the mount")
	cmd.Flags().BoolVar(&f.nonempty, "nonempty", false, "mount over a folder that holds files (they stay hidden until unmounted)")
	cmd.Flags().StringVar(&f.volumeID, "volume-id", "DISCSTAGE", "volume identifier of the sessions committed")
	f.udf.register(cmd.Flags())
	cmd.Flags().BoolVar(&f.debug, "debug", false, "log every FUSE request (with --foreground)")
	cmd.Flags().StringVar(&f.adapter, "adapter", defaultAdapter(), "the FUSE library the mount uses: go-fuse (Linux, macOS) or cgofuse (Windows with WinFsp, macOS, Linux with libfuse3)")
	cmd.Flags().BoolVar(&f.noButton, "no-eject-button", false, "drives: leave the tray unlocked and the drive's eject button to the drive (default: while changes are staged the tray is locked, and the button commits them, then ejects and unmounts)")
	cmd.Flags().DurationVar(&f.waitOpen, "wait-timeout", staging.DefaultWaitOpen, "how long a commit waits for staged files open for writing to be closed (0: not at all)")
	rootCmd.AddCommand(cmd)
}

// mountBackground starts this program again with --foreground, detached,
// and waits until it serves the mount or fails (package ready).
func mountBackground(cmd *cobra.Command, args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("mount: find own executable: %w", err)
	}
	child := exec.Command(self, append(os.Args[1:], "--foreground")...)
	platform.Detach(child)
	w, err := ready.Start(child)
	if err != nil {
		return fmt.Errorf("mount: start %s: %w", self, err)
	}
	// A Ctrl-C while the mount process opens the medium stops it: it
	// reports that it stopped, as it reports any failure.
	waited := make(chan struct{})
	go func() {
		select {
		case <-cmd.Context().Done():
			if err := child.Process.Signal(syscall.SIGTERM); err != nil {
				child.Process.Kill() // Windows: no SIGTERM to send
			}
		case <-waited:
		}
	}()
	// Notes come first: what the mount did on its way (a dead mount
	// cleaned up).
	err = w.Wait(func(note string) { fmt.Fprintln(cmd.ErrOrStderr(), "discstage:", note) })
	close(waited)
	if err == nil && cmd.Context().Err() != nil {
		// It served as the Ctrl-C came, which it got: it unmounts.
		return fmt.Errorf("mount: %w; it served and now unmounts", errInterrupted)
	}
	if err == nil {
		child.Process.Release()
		return nil
	}
	werr := child.Wait()
	if errors.Is(err, ready.ErrEnded) && cmd.Context().Err() != nil {
		return fmt.Errorf("mount: %w", errStoppedBeforeServing) // killed, where no SIGTERM is sent
	}
	if errors.Is(err, ready.ErrEnded) {
		return fmt.Errorf("mount: the mount process ended before serving: %v", werr)
	}
	// The mount's own exit code comes first, so that a fault gives the
	// same code here as from every other command.
	msg := err.Error()
	var code int
	if n, _ := fmt.Sscanf(msg, "code=%d ", &code); n == 1 {
		_, msg, _ = strings.Cut(msg, " ")
		return codedError{mountError(msg), code}
	}
	return mountError(msg)
}

// mountError rebuilds the error a background mount reported, keeping
// what the exit code depends on.
func mountError(msg string) error {
	for _, e := range []error{staging.ErrOtherDisc, staging.ErrBaseChanged, errAreaInUse, errTargetBusy, errMountPointBusy} {
		if strings.Contains(msg, e.Error()) {
			return fmt.Errorf("%s: %w", strings.TrimSuffix(strings.TrimSuffix(msg, e.Error()), ": "), e)
		}
	}
	return errors.New(msg)
}

var errAreaInUse = errors.New("the staging area is in use by another mount")

// errMountPointBusy: the mount point is a mount already, or not empty.
var errMountPointBusy = errors.New("the mount point is in use")

// checkMountPoint refuses a mount point that is already a mount or
// (unless nonempty) holds files, and cleans up the dead mount a killed
// discstage left there.
func checkMountPoint(abs string, nonempty bool, note func(string)) error {
	m, ok, err := platform.FuseMountAt(abs)
	switch {
	case err != nil && !errors.Is(err, platform.ErrUnsupported):
		return fmt.Errorf("mount: %w", err)
	case ok && m.Dead && m.Type == fs.MountType:
		if err := platform.UnmountDead(abs); err != nil {
			return fmt.Errorf("mount: clean up the dead discstage mount at %s: %w", abs, err)
		}
		note(fmt.Sprintf("cleaned up the dead mount at %s (its process had ended)", abs))
	case ok && m.Type == fs.MountType:
		return fmt.Errorf("mount: %s is already a discstage mount (discstage unmount %s first): %w", abs, abs, errMountPointBusy)
	case ok:
		return fmt.Errorf("mount: %s is already the mount point of %s (%s): %w", abs, m.Source, m.Type, errMountPointBusy)
	}
	d, err := os.Open(abs)
	if err != nil {
		return fmt.Errorf("mount: mount point: %w", err)
	}
	names, err := d.Readdirnames(1)
	d.Close()
	if err != nil && err != io.EOF {
		return fmt.Errorf("mount: mount point %s: %w", abs, err)
	}
	if len(names) > 0 && !nonempty {
		return fmt.Errorf("mount: %s is not empty: its files would be hidden under the mount (--nonempty mounts over them anyway): %w", abs, errMountPointBusy)
	}
	return nil
}

// imageFile returns the file a target spec names and a mount may
// create: the image, or an emulated drive's medium; "" for a drive.
func imageFile(spec string) string { return targets.File(spec) }

// exists reports whether something is at p.
func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// mountForeground serves the mount until it is unmounted or a signal
// arrives.
func mountForeground(cmd *cobra.Command, targetSpec, mountpoint string, f mountFlags) (err error) {
	// A mount started in the background tells its parent when it
	// serves, or why it failed (package ready).
	notifier := ready.FromEnv()
	defer func() {
		if err != nil {
			notifier.Fail(fmt.Errorf("code=%d %w", exitCode(err), err))
		}
	}()
	if err := checkAdapter(f.adapter); err != nil {
		return err
	}
	stop := stopBeforeServing(cmd.Context(), func(msg string) {
		notifier.Fail(fmt.Errorf("code=%d mount: %s", exitcodes.Interrupted, msg))
		fmt.Fprintln(cmd.ErrOrStderr(), "discstage: mount:", msg)
	})
	note := func(msg string) {
		if notifier.Active() {
			notifier.Note(msg)
			return
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "discstage:", msg)
	}
	abs, err := mountPoint(mountpoint, f.nonempty, note)
	if err != nil {
		return err
	}
	lock, err := lockTarget(targetSpec, holderOf("mounted at "+abs), true, note)
	if err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	defer lock.Unlock()
	// What this mount creates goes again when the mount fails before
	// serving: the image it made, and the staging area it made, unless
	// something came to be staged there (keep).
	keep := map[string]bool{}
	defer func() {
		if err != nil {
			for _, p := range stop.paths() {
				if keep[p] {
					note(fmt.Sprintf("kept %s, made for the mount: it holds staged changes", p))
					continue
				}
				if rerr := removeMade(p); rerr != nil {
					note(fmt.Sprintf("could not remove %s, made for the mount: %v", p, rerr))
				}
			}
		}
	}()
	if p := imageFile(targetSpec); p != "" {
		switch {
		case lock.made:
			// Where a link leads: the link itself stays.
			stop.add(lock.name, mediaRecordPath(p))
		case !exists(p):
			stop.add(p, mediaRecordPath(p))
		}
	}
	f.target.create = true
	t, err := openTarget(targetSpec, f.target)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := lock.holdMade(targetSpec, note); err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	dir := f.staging
	if dir == "" {
		key, err := targetKey(targetSpec)
		if err != nil {
			return fmt.Errorf("mount: %w", err)
		}
		if dir, err = staging.DefaultDir(key); err != nil {
			return err
		}
		dir = formerArea(targetSpec, dir, note)
	}
	if !exists(dir) {
		stop.add(dir)
	}
	area, err := staging.Open(dir, staging.TargetMedium(t))
	if err != nil {
		if errors.Is(err, staging.ErrLocked) {
			return fmt.Errorf("mount: %s: %w", dir, errAreaInUse)
		}
		if f.staging == "" && (errors.Is(err, platform.ErrNotPrivate) || errors.Is(err, platform.ErrUnsafeLink)) {
			// Root's shell from su or sudo -E keeps the user's HOME and
			// XDG_DATA_HOME: the default area lies in the user's folders.
			return fmt.Errorf("mount: %w; give --staging DIR, a folder of your own (to keep what is staged in %s, move it there first)", err, dir)
		}
		if errors.Is(err, staging.ErrOtherDisc) {
			return fmt.Errorf("mount: %s holds another disc than the one the changes staged in %s were made on "+
				"(insert that disc, mount with --staging DIR to start a new staging area for this one, or remove %s to drop the staged changes): %w",
				targetSpec, dir, dir, staging.ErrOtherDisc)
		}
		if errors.Is(err, staging.ErrBaseChanged) {
			return fmt.Errorf("mount: %s reads blank, but the changes staged in %s are based on a session of it "+
				"(mount with --staging DIR to start a new staging area, or remove %s to drop the staged changes): %w",
				targetSpec, dir, dir, staging.ErrBaseChanged)
		}
		return err
	}
	defer area.Close()
	area.SetClassifier(exitCode)
	if s := area.Resumed(); s != "" {
		note(s)
	}
	// Runs before the area closes: a staging area made here that holds
	// something staged is never removed.
	defer func() {
		if err != nil && area.Status().Pending {
			keep[dir] = true
		}
	}()
	// Opening read the newest session's whole tree into the area's
	// view (letting it go as it went, staging.Area's resetView); the
	// pages the heap grew to go back to the system while the mount
	// starts, so that a mount of a disc of many files does not keep the
	// peak of its opening resident.
	go debug.FreeOSMemory()
	opts := fs.Options{
		AllowOther: f.allowOther,
		Debug:      f.debug,
		Commit:     staging.CommitOptions{VolumeID: f.volumeID, WaitOpen: f.waitOpen},
	}
	if opts.Commit.UDF, opts.Commit.NoUDF, err = f.udf.revision(); err != nil {
		return err
	}
	if f.waitOpen <= 0 {
		opts.Commit.WaitOpen = -1 // do not wait
	}
	// The status lays the next session out as a commit writes it.
	area.SetCommitOptions(opts.Commit)
	if ej, ok := t.(writer.Ejector); ok {
		opts.Eject = ej.Eject // a drive opens its tray on "eject"
	}
	if b, ok := t.(fs.EjectButton); ok && !f.noButton {
		opts.Button = b // the drive's own eject button commits, then ejects
	}
	var srv mountServer
	if !stop.serve(func() { srv, err = mountWith(f.adapter, abs, area, opts) }) {
		return fmt.Errorf("mount: %w", errStoppedBeforeServing)
	}
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if cmd.Context().Err() != nil {
		// Stopped while the mount began: it ends at once.
		sigs <- syscall.SIGTERM
	}
	if notifier.Active() {
		notifier.Ready()
		// Detached from the terminal: what the mount has to say goes
		// to a log in the staging area.
		if lf, err := os.OpenFile(filepath.Join(dir, "mount.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
			defer lf.Close()
			log.SetOutput(lf)
			os.Stdout, os.Stderr = lf, lf
			cmd.SetErr(lf)
		}
	} else {
		fmt.Fprintf(cmd.ErrOrStderr(), "discstage: serving %s at %s (staging in %s)\n", targetSpec, abs, dir)
	}
	var told atomic.Bool // the process said it finishes a commit
	stderr := cmd.ErrOrStderr()
	go func() {
		for range sigs {
			if area.Committing() && !told.Swap(true) {
				// The session is written to the end: a burn stopped
				// midway leaves a write-once disc with an open track.
				fmt.Fprintln(stderr, "discstage: a commit is running: the process ends once the session is written and verified")
			}
			for i := 0; i < 50; i++ {
				if srv.Unmount() == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	srv.Wait()
	signal.Stop(sigs)
	close(sigs)
	committing := area.Committing() || told.Load()
	if err := area.Wait(); err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "discstage:", err)
	} else if committing {
		fmt.Fprintf(cmd.ErrOrStderr(), "discstage: the commit running at the unmount is done: the medium holds %s\n", plural(area.Status().Sessions, "session"))
	}
	if s := area.Status(); s.Pending {
		fmt.Fprint(cmd.ErrOrStderr(), "discstage: unmounted; ")
		printStaysStaged(cmd.ErrOrStderr(), s)
	}
	return nil
}

// formerArea returns the default staging area dir of the target spec
// names, once the area that spec named before areas were named after
// the target's medium file (staging.DefaultDir of the whole spelling,
// from this working directory) has moved there: when dir does not
// exist and that one does, it is renamed to dir under its own lock (a
// mount of an older discstage, which locked the target under the
// former name, may still have it open), told to note. Where the rename
// fails, or the area is in use, the former area is used where it is
// (opening it then says so).
func formerArea(spec, dir string, note func(string)) string {
	if exists(dir) {
		return dir
	}
	old, err := staging.DefaultDir(spec)
	if err != nil || old == dir {
		return dir
	}
	fi, err := os.Lstat(old)
	if err != nil || !fi.IsDir() {
		return dir
	}
	if err := staging.MoveArea(old, dir); err != nil {
		note(fmt.Sprintf("using the staging area %s where it is (moving it to %s: %v)", old, dir, err))
		return old
	}
	note(fmt.Sprintf("moved the staging area of %s from %s to %s", spec, old, dir))
	return dir
}
