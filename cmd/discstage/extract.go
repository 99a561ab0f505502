package main

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/spf13/cobra"
)

func init() {
	var (
		tf        targetFlags
		sf        sessionFlag
		samePerms bool
		devices   bool
	)
	cmd := &cobra.Command{
		Use:   "extract TARGET PATH DEST",
		Short: "Copy a file or directory out of a session",
		Long: `Extract copies PATH of a session to DEST, as cp -r would: into DEST when DEST
is an existing directory (DEST/NAME), else to DEST itself. "-" as DEST writes
one file to standard output.

Nothing is created, written or changed outside DEST: a symbolic link found in
DEST where the session has a file or directory is replaced, never followed.
Symbolic links on the disc are made as links, with their times; a file with
several names (hard links) is extracted once and its other names are linked
to it, as tar does (copied where links cannot be made). Permissions follow
tar: root keeps the
disc's modes, other users get them less their umask; the sticky bit is kept;
setuid and setgid only when root asks with --same-permissions. Modification
times are kept; owners are not.

Named pipes are made as tar makes them (mkfifo). Device nodes are made
(mknod, with the device number the disc records) only with --devices: one
on a disc from elsewhere could give whoever reads it raw access to a
device. A device node without --devices, one that cannot be made (a device
node when not root; either on Windows) and a socket are skipped with a
warning naming it; the rest is extracted, every directory gets its mode and
time, and extract then exits 1. What is in DEST where an entry is skipped
stays.

Each file's bytes are checked, as they are copied, against the MD5 its
session recorded for it (sessions discstage and xorriso -md5 write record
them): a file that does not match, its bytes damaged on the medium, is
extracted as read and named in a warning, and extract then exits 9, as
verify does for a bad session. A file of a session an interrupted burn left
incomplete that lies past what the burn recorded is not extracted (what is
in DEST in its place stays); it is named in a warning, and extract then
exits 12.

Ctrl-C stops extract (exit 130): the file being copied is removed and
named, and what was extracted before it stays.`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, sess, err := sf.open(cmd.ErrOrStderr(), args[0], tf)
			if err != nil {
				return err
			}
			defer t.Close()
			noteTree(cmd.ErrOrStderr(), sess)
			o := extractOptions{samePerms: samePerms, devices: devices, root: isRoot(), umask: umask(), warn: cmd.ErrOrStderr()}
			return extract(cmd.Context(), sess.FS(), fsPath(args[1]), args[2], o, cmd.OutOrStdout())
		},
	}
	tf.register(cmd)
	sf.register(cmd)
	cmd.Flags().BoolVarP(&samePerms, "same-permissions", "p", false, "keep the disc's modes exactly: no umask; setuid and setgid too when run as root, where the disc records root as the owner (group)")
	cmd.Flags().BoolVar(&devices, "devices", false, "make the device nodes the session holds (else they are skipped with a warning)")
	rootCmd.AddCommand(cmd)
}

// extractOptions say which mode bits an extracted entry gets.
type extractOptions struct {
	samePerms bool        // --same-permissions
	devices   bool        // --devices: make device nodes
	root      bool        // run by the superuser
	umask     fs.FileMode // the process's umask
	warn      io.Writer   // where entries skipped are told; nil: nowhere
}

// mode is the mode an entry gets, after GNU tar: root keeps the
// permission bits, others lose their umask's (unless samePerms); the
// sticky bit is kept; setuid and setgid only for root with samePerms.
// A file keeps them only where the disc records root as its owner
// (group): owners are not restored, so what is extracted is root's, and
// a user's setuid file must not become a setuid file of root's. A
// directory keeps setgid whatever its group: there it grants nothing,
// only making new files take the directory's group.
func (o extractOptions) mode(fi fs.FileInfo) fs.FileMode {
	m := fi.Mode()
	out := m & (fs.ModePerm | fs.ModeSticky)
	if !o.root && !o.samePerms {
		out &^= o.umask & fs.ModePerm
	}
	if o.root && o.samePerms {
		if m.IsDir() {
			out |= m & fs.ModeSetgid
		}
		if n, ok := fi.Sys().(*tree.Node); ok {
			if n.UID == 0 {
				out |= m & fs.ModeSetuid
			}
			if n.GID == 0 {
				out |= m & fs.ModeSetgid
			}
		}
	}
	return out
}

// errExtractDir: a directory cannot go to standard output.
var errExtractDir = errors.New("only a file can be written to standard output")

// errNotExtracted: entries were skipped (a socket, a device node the
// user may not make or did not ask for with --devices), each told in a warning; the rest was extracted.
// It exits 1 (exitcodes.Other), as tar exits non-zero after such files.
var errNotExtracted = errors.New("not every entry was extracted")

// extract copies p (a file, symlink or directory tree) of fsys to dest,
// as cp -r does: into dest when dest is an existing directory, else to
// dest itself; "-" writes one file to stdout. Everything is created
// beneath one folder opened as an os.Root, and no symbolic link found
// there is ever followed: one in the way is replaced, as tar does. When
// ctx is done (Ctrl-C) it stops at the next entry or write: a file
// being copied is removed, what was extracted before it stays, and the
// error wraps errInterrupted.
func extract(ctx context.Context, fsys fs.FS, p, dest string, o extractOptions, stdout io.Writer) error {
	st, err := fs.Lstat(fsys, p)
	if err != nil {
		return err
	}
	if dest == "-" {
		if !st.Mode().IsRegular() {
			return usageError{fmt.Errorf("extract %s: %w", p, errExtractDir)}
		}
		src, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		sum := newSumCheck(st)
		if _, err := io.Copy(sum.writer(stopWriter{ctx, stdout}), src); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: extract: stopped while writing %s to standard output", errInterrupted, discPath(p))
			}
			return fmt.Errorf("extract %s to standard output: %w", p, err)
		}
		return sum.check(p)
	}
	// Where the entry goes: a folder to open as the root, and its name
	// there. DEST itself is the user's: a link to a directory named as
	// DEST is followed, as cp and tar -C do.
	dir, name := filepath.Dir(dest), filepath.Base(dest)
	di, err := os.Stat(dest)
	switch {
	case err == nil && di.IsDir():
		dir, name = dest, path.Base(p)
		if p == "." {
			name = "." // the session's root: its contents go into DEST
		}
	case err == nil && st.IsDir():
		return fmt.Errorf("extract %s: %s is not a directory: %w", p, dest, fs.ErrExist)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("extract %s: %w", p, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("extract %s: %w", p, err)
	}
	defer root.Close()
	x := &extractor{ctx: ctx, fsys: fsys, root: root, opts: o, dest: dir}
	defer x.closeFolder()
	if !st.IsDir() {
		if err := x.entryOrSkip(p, name, st); err != nil {
			return err
		}
		return x.outcome()
	}
	var dirs []string // session path, name: modes and times set last
	err = fs.WalkDir(fsys, p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: extract: stopped before %s; what was extracted before it stays", errInterrupted, discPath(q))
		}
		rel := q
		if p != "." {
			rel = strings.TrimPrefix(strings.TrimPrefix(q, p), "/")
		}
		to := filepath.Join(name, filepath.FromSlash(rel))
		if d.IsDir() {
			if to == "." { // an existing DEST keeps its own mode and times
				return nil
			}
			if err := x.dir(to); err != nil {
				return err
			}
			dirs = append(dirs, q, to)
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return x.entryOrSkip(q, to, fi)
	})
	// Directory modes and times last, deepest first, once their
	// contents exist; also those made before an error stopped the walk.
	errs := []error{err}
	for i := len(dirs) - 2; i >= 0; i -= 2 {
		fi, err := fs.Stat(fsys, dirs[i])
		if err == nil {
			err = x.finishDir(dirs[i+1], fi)
		}
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return x.outcome()
}

// extractor creates entries beneath root.
type extractor struct {
	ctx  context.Context // stops the copy of a file when done
	fsys fs.FS
	root *os.Root
	// folder is the folder named folderName beneath root, kept open
	// for the files of one folder, which a walk gives in a row (in).
	folder     *os.Root
	folderName string
	opts       extractOptions
	dest       string // root's path, for messages
	// skipped counts the entries skipped with a warning; damaged
	// names the files whose bytes did not match their MD5s.
	skipped int
	damaged []string
	// unrecorded names the files an interrupted burn did not record.
	unrecorded []string
	// temps counts the temporary names made for special files.
	temps int
	// linked is the file each file with several names on the disc
	// (tree.Node.Link) was extracted as first: its other names are made
	// links to it.
	linked map[uint64]extracted
}

// extracted is a file extract made: its name beneath root, what it is
// (to tell it is still there), and whether its bytes did not match
// their MD5.
type extracted struct {
	name    string
	fi      os.FileInfo
	damaged bool
}

// nameList joins the first ten names, saying how many more there are.
func nameList(names []string) string {
	s := strings.Join(names[:min(len(names), 10)], ", ")
	if len(names) > 10 {
		s += fmt.Sprintf(" and %d more", len(names)-10)
	}
	return s
}

// outcome is the error of an extraction that went through: files that
// did not match their MD5s (exit as verify's), entries skipped.
func (x *extractor) outcome() error {
	var err error
	if n := len(x.damaged); n > 0 {
		err = fmt.Errorf("extract: %s extracted as read, not matching the MD5 the session recorded (the medium is damaged there): %s: %w",
			plural(n, "file"), nameList(x.damaged), master.ErrMismatch)
	}
	if len(x.unrecorded) > 0 {
		err = errors.Join(err, fmt.Errorf("extract: not extracted, past what the interrupted burn of their session recorded: %s: %w: %w",
			nameList(x.unrecorded), burn.ErrUnrecorded, master.ErrCorrupt))
	}
	return errors.Join(err, x.skippedError())
}

// in returns the folder name lies in, open beneath root, and name's last
// element: what is done to a file then walks one name, where a name
// beneath root has os.Root walk and check every name of its path. The
// folder stays open for the next file of the same folder.
func (x *extractor) in(name string) (*os.Root, string, error) {
	dir, base := filepath.Split(name)
	dir = filepath.Clean(dir)
	if dir == "." {
		return x.root, base, nil
	}
	if x.folder != nil && x.folderName == dir {
		return x.folder, base, nil
	}
	x.closeFolder()
	f, err := x.root.OpenRoot(dir)
	if err != nil {
		return nil, "", err
	}
	x.folder, x.folderName = f, dir
	return f, base, nil
}

// closeFolder closes the folder in keeps open: the walk left it, or one
// of its names is to be made anew (dir).
func (x *extractor) closeFolder() {
	if x.folder != nil {
		x.folder.Close()
		x.folder, x.folderName = nil, ""
	}
}

// tempName is a name of its own beside name for an entry to be made
// under before it takes name's place: short (a long entry name made
// longer would pass the system's limit), and never one made before.
func (x *extractor) tempName(name string) string {
	x.temps++
	return filepath.Join(filepath.Dir(name), fmt.Sprintf(".discstage-%d-%d", os.Getpid(), x.temps))
}

// makeTemp makes an entry under a name of its own beside name
// (tempName) with make, taking the next name while one exists, and
// returns the name made (the last tried, with make's error).
func (x *extractor) makeTemp(name string, make func(tmp string) error) (string, error) {
	var tmp string
	var err error
	for range 100 {
		tmp = x.tempName(name)
		if err = make(tmp); !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	return tmp, err
}

// dirInTheWay is errDirInTheWay, naming name, when a directory is at
// base beneath root (name's folder, or root itself with name).
func (x *extractor) dirInTheWay(root *os.Root, base, name string) error {
	if cur, err := root.Lstat(base); err == nil && cur.IsDir() {
		return fmt.Errorf("extract: %s is a directory: %w", x.path(name), errDirInTheWay)
	}
	return nil
}

// errDirInTheWay: a directory of DEST is where a file of the disc goes;
// it is kept, as cp -r keeps it.
var errDirInTheWay = fmt.Errorf("a directory is in the way: %w", fs.ErrExist)

// entryOrSkip extracts p as name (entry); where a directory of DEST is in
// the way, the entry is skipped with a warning and the rest goes on,
// as cp -r goes on.
func (x *extractor) entryOrSkip(p, name string, fi fs.FileInfo) error {
	err := x.entry(p, name, fi)
	if errors.Is(err, errDirInTheWay) {
		x.skip(p, fmt.Sprintf("%s is a directory, which is kept", x.path(name)))
		return nil
	}
	return err
}

// skip tells that the entry p was not extracted, and why.
func (x *extractor) skip(p, why string) {
	x.skipped++
	if x.opts.warn != nil {
		fmt.Fprintf(x.opts.warn, "discstage: warning: extract %s: skipped: %s\n", discPath(p), why)
	}
}

// skippedError is errNotExtracted with how many entries were skipped, or
// nil when none was.
func (x *extractor) skippedError() error {
	if x.skipped == 0 {
		return nil
	}
	if x.skipped == 1 {
		return fmt.Errorf("extract: 1 entry skipped: %w", errNotExtracted)
	}
	return fmt.Errorf("extract: %d entries skipped: %w", x.skipped, errNotExtracted)
}

// discPath is the fs.FS path p as the session shows it, from its root,
// and as a message shows it (tree.QuotePath): it comes from the disc.
func discPath(p string) string {
	if p == "." {
		return "/"
	}
	return tree.QuotePath("/" + p)
}

func (x *extractor) path(name string) string { return filepath.Join(x.dest, name) }

// dir makes name a directory of our own: an existing directory is used,
// anything else there (a file, a link) is replaced. New directories are
// private until finishDir gives them their mode.
func (x *extractor) dir(name string) error {
	x.closeFolder() // a folder made anew is another
	fi, err := x.root.Lstat(name)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		if err := x.root.Remove(name); err != nil {
			return fmt.Errorf("extract: replace %s with a directory: %w", x.path(name), err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("extract: %w", err)
	}
	if err := x.root.Mkdir(name, 0o700); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	return nil
}

// finishDir gives a directory its mode and modification time, unless
// something else took its place meanwhile.
func (x *extractor) finishDir(name string, fi fs.FileInfo) error {
	cur, err := x.root.Lstat(name)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if !cur.IsDir() {
		return fmt.Errorf("extract: %s is no longer a directory", x.path(name))
	}
	if err := x.root.Chmod(name, x.opts.mode(fi)); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := x.root.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	return nil
}

// entry extracts the file or symbolic link p as name. What is at name
// stays when the entry is skipped.
func (x *extractor) entry(p, name string, fi fs.FileInfo) error {
	switch t := fi.Mode().Type(); {
	case t&(fs.ModeNamedPipe|fs.ModeDevice) != 0:
		return x.special(p, name, fi)
	case t&fs.ModeSocket != 0:
		x.skip(p, "a socket cannot be made by extracting it")
		return nil
	}
	if n, ok := fi.Sys().(*tree.Node); ok {
		if err := burn.Unrecorded(n); err != nil {
			// What is at name stays; the file is named now and in
			// the command's error.
			x.unrecorded = append(x.unrecorded, discPath(p))
			if x.opts.warn != nil {
				fmt.Fprintf(x.opts.warn, "discstage: warning: extract %s: skipped: %v\n", discPath(p), err)
			}
			return nil
		}
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return x.symlink(p, name, fi)
	}
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("extract %s: a %s cannot be extracted", discPath(p), tree.KindName(fi.Mode()))
	}
	var link uint64
	if n, ok := fi.Sys().(*tree.Node); ok {
		link = n.Link
	}
	if first, ok := x.linked[link]; ok && link != 0 {
		// Another name of a file already extracted: a link to it, as
		// on the disc, if it is still the file made (on a DEST that
		// does not tell case apart, a later name may have replaced
		// it). Where links cannot be made, a copy.
		if now, err := x.root.Lstat(first.name); err == nil && os.SameFile(now, first.fi) {
			if err := x.dirInTheWay(x.root, name, name); err != nil {
				return err
			}
			// Linked under a name of its own, then renamed into place:
			// where links cannot be made (FAT), what is at name stays
			// while the copy below is made.
			tmp, err := x.makeTemp(name, func(tmp string) error { return x.root.Link(first.name, tmp) })
			if err == nil {
				err := x.root.Rename(tmp, name)
				// Where name was that file already, the rename leaves tmp.
				x.root.Remove(tmp)
				if err != nil {
					return fmt.Errorf("extract %s to %s: %w", p, x.path(name), err)
				}
				if first.damaged {
					x.damaged = append(x.damaged, discPath(p))
				}
				return nil
			}
		}
	}
	folder, base, err := x.in(name)
	if err != nil {
		return fmt.Errorf("extract %s: %w", p, err)
	}
	if err := x.dirInTheWay(folder, base, name); err != nil {
		return err
	}
	src, err := x.fsys.Open(p)
	if err != nil {
		return err
	}
	defer src.Close()
	// The copy goes to a name of its own beside name and takes name's
	// place only once whole: a stop or a kill leaves no part of a file
	// under its name, and a file of DEST there stays until then. O_EXCL:
	// a link put at that name is never followed.
	var dst *os.File
	tmp, err := x.makeTemp(name, func(tmp string) (err error) {
		dst, err = folder.OpenFile(filepath.Base(tmp), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		return err
	})
	tmp = filepath.Base(tmp)
	if err != nil {
		return fmt.Errorf("extract %s: %w", p, err)
	}
	placed := false
	defer func() {
		if !placed {
			folder.Remove(tmp)
		}
	}()
	sum := newSumCheck(fi)
	// A quit at once while the copy is held leaves no part of it either,
	// and what was at name as it was.
	quitting := interrupts.onQuit(func() {
		dst.Close()
		folder.Remove(tmp)
	})
	_, err = io.Copy(sum.writer(stopWriter{x.ctx, dst}), src)
	quitting()
	if err != nil {
		dst.Close()
		if x.ctx.Err() != nil {
			return fmt.Errorf("%w: extract: stopped while extracting %s to %s; the part written is removed, what was extracted before it stays",
				errInterrupted, discPath(p), x.path(name))
		}
		return fmt.Errorf("extract %s to %s: %w", p, x.path(name), err)
	}
	damaged := false
	if err := sum.check(p); err != nil {
		damaged = true
		// The bytes are kept as read, for what they are worth; the
		// file is named now and in the command's error.
		x.damaged = append(x.damaged, discPath(p))
		if x.opts.warn != nil {
			fmt.Fprintf(x.opts.warn, "discstage: warning: %v\n", err)
		}
	}
	if err := dst.Chmod(x.opts.mode(fi)); err != nil {
		dst.Close()
		return fmt.Errorf("extract %s: %w", p, err)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("extract %s to %s: %w", p, x.path(name), err)
	}
	if err := folder.Chtimes(tmp, fi.ModTime(), fi.ModTime()); err != nil {
		return fmt.Errorf("extract %s: %w", p, err)
	}
	if err := folder.Rename(tmp, base); err != nil {
		return fmt.Errorf("extract %s to %s: %w", p, x.path(name), err)
	}
	placed = true
	if link != 0 {
		if made, err := x.root.Lstat(name); err == nil {
			if x.linked == nil {
				x.linked = map[uint64]extracted{}
			}
			x.linked[link] = extracted{name: name, fi: made, damaged: damaged}
		}
	}
	return nil
}

// symlink makes the symbolic link p as name, with its modification
// time. It is made under a name of its own beside name and takes name's
// place only once made: on a file system that makes no links (FAT), it
// is skipped with a warning and what is at name stays.
func (x *extractor) symlink(p, name string, fi fs.FileInfo) error {
	if err := x.dirInTheWay(x.root, name, name); err != nil {
		return err
	}
	target, err := fs.ReadLink(x.fsys, p)
	if err != nil {
		return err
	}
	tmp, err := x.makeTemp(name, func(tmp string) error { return x.root.Symlink(target, tmp) })
	if err != nil {
		x.skip(p, fmt.Sprintf("a symbolic link cannot be made here: %v", err))
		return nil
	}
	if mt := fi.ModTime(); !mt.IsZero() {
		if err := linkTimes(x.root, tmp, mt); err != nil && x.opts.warn != nil {
			// The link is made; only its time is not (some file
			// systems keep none for links), as tar says too.
			fmt.Fprintf(x.opts.warn, "discstage: warning: extract %s: %v\n", discPath(p), err)
		}
	}
	if err := x.root.Rename(tmp, name); err != nil {
		x.root.Remove(tmp)
		return fmt.Errorf("extract %s to %s: %w", p, x.path(name), err)
	}
	return nil
}

// special makes the named pipe or device node p as name, with its mode
// and modification time. One the system does not let this process make
// (a device node when not root; any on Windows) is skipped with a
// warning, and what is at name stays: the node is made under a name of
// its own beside it and takes name's place only once made.
func (x *extractor) special(p, name string, fi fs.FileInfo) error {
	var rdev uint64
	if n, ok := fi.Sys().(*tree.Node); ok {
		rdev = n.Rdev
	}
	if fi.Mode()&fs.ModeDevice != 0 && !x.opts.devices {
		x.skip(p, fmt.Sprintf("a %s is made only with --devices", tree.KindName(fi.Mode())))
		return nil
	}
	if err := x.dirInTheWay(x.root, name, name); err != nil {
		return err
	}
	mode := x.opts.mode(fi)
	// Under a name of its own: nothing of the user's is cleared for it.
	tmp, err := x.makeTemp(name, func(tmp string) error {
		return makeSpecial(x.root, tmp, fi.Mode().Type(), mode, rdev)
	})
	switch {
	case errors.Is(err, fs.ErrPermission):
		x.skip(p, fmt.Sprintf("a %s: %v", tree.KindName(fi.Mode()), err))
		return nil
	case errors.Is(err, errors.ErrUnsupported):
		x.skip(p, fmt.Sprintf("a %s cannot be made on this system", tree.KindName(fi.Mode())))
		return nil
	case err != nil:
		// Any other refusal (a file system that made the entry and then
		// failed, FAT through FUSE): what is at name stays, and the rest
		// is extracted.
		x.root.Remove(tmp)
		x.skip(p, fmt.Sprintf("a %s cannot be made here: %v", tree.KindName(fi.Mode()), err))
		return nil
	}
	// mknod applied the umask; the mode is the one worked out above.
	err = x.root.Chmod(tmp, mode)
	if err == nil {
		err = x.root.Chtimes(tmp, fi.ModTime(), fi.ModTime())
	}
	if err == nil {
		err = x.root.Rename(tmp, name)
	}
	if err != nil {
		x.root.Remove(tmp)
		return fmt.Errorf("extract %s to %s: %w", discPath(p), x.path(name), err)
	}
	return nil
}

// sumCheck hashes a file's bytes as they are extracted, to compare them
// with the MD5 its session recorded, when it recorded one of them (not
// of a zisofs file's compressed bytes: reading those checks them).
type sumCheck struct {
	want [16]byte
	h    hash.Hash // nil: no MD5 recorded
}

// newSumCheck checks the file fi describes, an entry of a session.
func newSumCheck(fi fs.FileInfo) sumCheck {
	if n, ok := fi.Sys().(*tree.Node); ok && n.HasMD5 && !n.Zisofs() {
		return sumCheck{want: n.MD5, h: md5.New()}
	}
	return sumCheck{}
}

// writer returns w, hashing what goes through it.
func (s sumCheck) writer(w io.Writer) io.Writer {
	if s.h == nil {
		return w
	}
	return io.MultiWriter(w, s.h)
}

// check compares what went through with the MD5 recorded; the error
// names the file p and wraps master.ErrMismatch.
func (s sumCheck) check(p string) error {
	if s.h == nil || [16]byte(s.h.Sum(nil)) == s.want {
		return nil
	}
	return fmt.Errorf("extract %s: its bytes do not match the MD5 the session recorded: %w", discPath(p), master.ErrMismatch)
}
