package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer/targets"
)

// errTargetBusy: another discstage process writes to the target or has
// it mounted.
var errTargetBusy = errors.New("the target is in use by another discstage process")

// Every command that writes to a target (append, master onto an existing
// image, drives blank) holds the target's lock while it runs, and a mount
// holds it for its lifetime, commits included: so no two discstage
// processes ever write one target, and a mount's view cannot change
// under it by another discstage command. Other programs (xorriso,
// growisofs) know nothing of the lock; a commit finds their sessions
// when it re-reads the medium (see staging's rebase).
//
// The lock is a file in the runtime directory named after the target's
// identity: the absolute path of the image file (symbolic links
// resolved), of an emulated drive's medium file (so the image and the
// emulated drive over one file share a lock) or of the drive's device
// (by its one name, platform.DriveNode: /dev/cdrom and the drive's
// /dev/sgM lock its /dev/srN).
// Its holder line says who holds it. A path does not name a file alone
// (hard links, bind mounts), and the runtime directory is the
// environment's ($XDG_RUNTIME_DIR, the user's): so the image file, or
// the emulated drive's medium file, is locked too, by a flock on the
// file itself (platform.HoldFile), which every name and every
// environment reaches. A drive's device is not: tools such as xorriso
// take an exclusive lock on the device to read it, which that lock
// would refuse. Only the process that serves a mount (the --foreground
// one) takes its locks, not the command that starts it; the files
// stay open in no other process (Go opens them close-on-exec).

// targetLock is the lock of a target held by this process.
type targetLock struct {
	path *platform.Lock // the lock file named after the target's path
	file *platform.Lock // the image file's own, or nil (a drive)
	// name: the file that holds the medium, as targetFile resolves it
	// ("" for a drive).
	name string
	// made: the image file did not exist; lockTarget made it, empty
	// (a blank medium, as opening the target makes it), as name, and
	// holds it.
	made bool
	// missing: holdFile found no file to lock (an emulated drive's
	// medium file, which opening the target makes), left to holdMade.
	missing bool
}

// Unlock releases the target: the file's own lock first, so that once
// the lock named after its path is free the target is free.
func (l *targetLock) Unlock() error {
	if l == nil {
		return nil
	}
	ferr := l.file.Unlock()
	if perr := l.path.Unlock(); perr != nil {
		return perr
	}
	return ferr
}

// holdFile locks an image file itself (platform.HoldFile).
var holdFile = platform.HoldFile

// lockTarget takes the lock of the target spec names for the command,
// recording holder ("mounted at M by pid N", "append by pid N"). When
// another process holds it, the error wraps errTargetBusy and says who.
// With create (a command that makes its target: mount, append), a
// missing image file is made, empty, and locked (made); else it is
// left missing. An image file the system cannot lock (NFS without
// lockd) leaves the target to the lock named after its path, told to
// note (nil: not told).
func lockTarget(spec, holder string, create bool, note func(string)) (*targetLock, error) {
	name, err := targetFile(spec)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", spec, err)
	}
	p, err := targetLockPath(spec)
	if err != nil {
		return nil, err
	}
	l, err := platform.TryLock(p, holder)
	var le *platform.LockedError
	if errors.As(err, &le) {
		who := le.Holder
		if who == "" {
			who = "held by another process"
		}
		return nil, fmt.Errorf("%s: %s: %w", spec, who, errTargetBusy)
	}
	if err != nil {
		return nil, err
	}
	tl := &targetLock{path: l, name: name}
	if err := tl.holdFile(spec, create, note); err != nil {
		l.Unlock()
		return nil, err
	}
	return tl, nil
}

// holdFile takes the lock of the image file, or emulated drive's medium
// file, that spec names (tl.name, where its links lead). A file that
// cannot be opened, or is no regular file, is left to opening the
// target to refuse; with create, a missing image file is made (an
// emulated drive's medium file, which opening the drive makes with its
// state, is locked only once it exists: holdMade). A file the system cannot lock
// (ENOLCK, EOPNOTSUPP, EINVAL) is left unlocked, told to note: the lock
// named after its path still holds it against every discstage process
// of this runtime directory, as on Windows.
//
// The file made here stays when another process holds its lock: that
// process reached it after it was made, by another runtime directory,
// and has it open as its own target; removing its name would lose what
// it writes.
func (tl *targetLock) holdFile(spec string, create bool, note func(string)) error {
	if tl.name == "" {
		return nil
	}
	f, made := openToHold(tl.name, create && targets.KindOf(spec).Name == "image")
	tl.missing = f == nil
	if f == nil {
		return nil
	}
	l, err := holdFile(f)
	var le *platform.LockedError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %s: %w", spec, fileHolder(le.PID), errTargetBusy)
	}
	if err != nil && !cannotLock(err) {
		f.Close()
		if made {
			os.Remove(tl.name) // made empty here a moment ago
		}
		return fmt.Errorf("lock %s: %w", tl.name, err)
	}
	if err != nil {
		if note != nil {
			cause := err
			if u := errors.Unwrap(err); u != nil {
				cause = u
			}
			note(fmt.Sprintf("note: %s cannot be locked itself (%v); only the lock file named after it keeps other discstage writers out", tl.name, cause))
		}
		l = nil
	}
	tl.file, tl.made = l, made
	return nil
}

// holdMade takes the lock of the emulated drive's medium file that
// opening the target made, which holdFile found missing and left to
// it; it does nothing when holdFile found the file (locked, or told
// unlockable) or there is none.
func (tl *targetLock) holdMade(spec string, note func(string)) error {
	if tl == nil || !tl.missing || tl.name == "" {
		return nil
	}
	return tl.holdFile(spec, false, note)
}

// openToHold opens the regular file name to lock it, making it when it
// is missing and create is set (made: this call made it); nil when it
// is missing, no regular file or cannot be opened.
func openToHold(name string, create bool) (f *os.File, made bool) {
	st, err := os.Stat(name)
	switch {
	case errors.Is(err, os.ErrNotExist) && create:
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, true
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, false
		}
		// Made meanwhile, by another process.
	case err != nil || !st.Mode().IsRegular():
		return nil, false
	}
	f, err = os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		// Read-only: flock needs no write access.
		if f, err = os.Open(name); err != nil {
			return nil, false
		}
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, false
	}
	return f, false
}

// fileHolder says who holds the lock of the image file: the
// holder line of its lock file when the process that holds it (pid,
// where the system tells) holds one here, reaching the file by another
// name ("mounted at /mnt/disc by pid 4242"); else as much as is known.
func fileHolder(pid int) string {
	const how = "reaching it by another name, or as another user or with another runtime directory"
	if pid == 0 {
		return fmt.Sprintf("its file is locked by another process (%s)", how)
	}
	paths, _ := filepath.Glob(filepath.Join(lockDir(), "*.lock"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		line := strings.TrimSpace(string(b))
		if err == nil && strings.HasSuffix(line, fmt.Sprintf(" by pid %d", pid)) {
			return line
		}
	}
	return fmt.Sprintf("its file is locked by pid %d (%s)", pid, how)
}

// targetFile returns the file that holds the medium of the target spec
// names (targets.File) as the system reaches it: absolute, through
// every symbolic link to it (a dangling link names the file it makes)
// and its folder's links resolved, each once (platform.ResolveLinks,
// which refuses another user's link in a sticky folder), so that every
// name of one file, made yet or not, gives one path. "" for a drive. A
// name that does not resolve (a missing folder, a loop of links) is
// returned absolute, for opening the target to refuse.
func targetFile(spec string) (string, error) {
	f := targets.File(spec)
	if f == "" {
		return "", nil
	}
	p, err := platform.ResolveLinks(f)
	if errors.Is(err, platform.ErrUnsafeLink) {
		return "", err
	}
	if err != nil {
		if p, err = filepath.Abs(f); err != nil {
			return "", fmt.Errorf("resolve %s: %w", f, err)
		}
	}
	return p, nil
}

// targetKey is what names a target's own files (its lock, its default
// staging area), for staging.TargetName: the file that holds its
// medium (targetFile), so that an image and an emulated drive over one
// file, every name of the file and every spelling of the target are
// one; a drive's device as given.
func targetKey(spec string) (string, error) {
	f, err := targetFile(spec)
	if err != nil || f != "" {
		return f, err
	}
	return targets.Identity(spec), nil
}

// targetLockPath returns the lock file of the target spec names.
func targetLockPath(spec string) (string, error) {
	key, err := targetKey(spec)
	if err != nil {
		return "", fmt.Errorf("lock %s: %w", spec, err)
	}
	name, err := staging.TargetName(key, 8)
	if err != nil {
		return "", fmt.Errorf("lock %s: %w", spec, err)
	}
	// Another user who made the folder first, in a shared temporary
	// folder, could point its lock files at the user's files.
	dir, err := platform.PrivateDir(lockDir())
	if err != nil {
		return "", fmt.Errorf("lock %s: lock folder: %w (set XDG_RUNTIME_DIR to a folder of your own)", spec, err)
	}
	return filepath.Join(dir, name+".lock"), nil
}

// lockDir is where target locks live: $XDG_RUNTIME_DIR/discstage-locks,
// else a directory of the user's in the temporary directory. A runtime
// directory of another user's (root's shell from su or sudo -E keeps
// the user's) is not taken: its owner could replace the lock files.
func lockDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && !platform.OthersOwn(d) {
		return filepath.Join(d, "discstage-locks") // made, private, when missing
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("discstage-locks-%d", os.Getuid()))
}

// holderOf describes this process for a lock's holder line.
func holderOf(what string) string { return fmt.Sprintf("%s by pid %d", what, os.Getpid()) }

// noteTo returns a note for lockTarget that goes to w as a line of its
// own.
func noteTo(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(w, "discstage:", msg) }
}

// cannotLock reports whether err says the file system takes no locks
// (NFS without its lock service, some FUSE file systems): the target is
// then left to the lock file named after it.
func cannotLock(err error) bool {
	return errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.EOPNOTSUPP) ||
		errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS)
}
