package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/progress"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/targets"
	"github.com/spf13/cobra"
)

func init() {
	var (
		tf       targetFlags
		mirror   string
		dryRun   bool
		volumeID string
		verifyS  string
		fixed    string
		closeIt  bool
		noMD5    bool
		pf       progressFlag
		boot     bootFlags
		udfF     udfFlag
	)
	cmd := &cobra.Command{
		Use:   "append TARGET [SRC...]",
		Short: "Write a new session: the newest session's tree with SRC merged in",
		Long: `append writes a new session to TARGET (an image file, created blank if missing).
The new tree is the newest session's tree with each SRC merged in at the root: a
directory's contents merge recursively, a file replaces the file at the same path.
With --mirror DIR the new tree equals DIR instead (additions, changes, deletions).
A file whose path, size and modification time match the newest session keeps its
extents and is not written again.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			target, srcs := args[0], args[1:]
			if (mirror == "") == (len(srcs) == 0) {
				return usageError{errors.New("give either SRC arguments or --mirror DIR")}
			}
			level, err := master.ParseVerifyLevel(verifyS)
			if err != nil {
				return usageError{err}
			}
			opts := burn.AppendOptions{VolumeID: volumeID, DryRun: dryRun, Verify: level, Close: closeIt, NoMD5: noMD5}
			if opts.Boot, err = boot.images(); err != nil {
				return err
			}
			if opts.UDF, opts.NoUDF, err = udfF.revision(); err != nil {
				return err
			}
			if fixed != "" {
				if opts.Time, err = time.Parse(time.RFC3339, fixed); err != nil {
					return usageError{fmt.Errorf("--time: %v", err)}
				}
			}
			// A new image that gets no session (a failure, Ctrl-C, a
			// dry run) goes again: only the files this run made, only
			// while they are still empty and the same files, so that
			// what another writer put there meanwhile stays.
			var lock *targetLock
			if dryRun {
				made, err := makeMedium(target)
				if err != nil {
					return fmt.Errorf("append: %w", err)
				}
				defer made.remove()
			} else {
				l, lerr := lockTarget(target, holderOf("append"), true, noteTo(cmd.ErrOrStderr()))
				if lerr != nil {
					return fmt.Errorf("append: %w", lerr)
				}
				defer l.Unlock()
				lock = l
				made, merr := madeByLock(target, l)
				if merr != nil {
					return fmt.Errorf("append: %w", merr)
				}
				defer func() {
					if err != nil {
						made.remove()
					}
				}()
			}
			tf.create, tf.dryRun = true, dryRun
			t, err := openTarget(target, tf)
			if err != nil {
				return err
			}
			defer t.Close()
			if err := lock.holdMade(target, noteTo(cmd.ErrOrStderr())); err != nil {
				return fmt.Errorf("append: %w", err)
			}
			d, err := pf.display(cmd)
			if err != nil {
				return err
			}
			if !dryRun {
				base, writeOnce := 0.0, false
				if m, err := t.Probe(); err == nil {
					_, drive := t.(writer.DamageCloser)
					base, writeOnce = progress.SpeedBase(m.Profile), drive && !m.Grown
				}
				tr := progress.NewTracker(base, level != master.VerifyNone, d.Show)
				opts.Progress = writer.ReportTo(tr)
				interrupts.holdWhile(func() string {
					if writeOnce && tr.Last().Phase == progress.Writing {
						return writeOnceCost
					}
					return ""
				})
				interrupts.pastWhile(func() string {
					if tr.Last().Phase.Written() {
						return sessionWritten
					}
					return ""
				})
			}
			defer d.Finish()
			walk := targetLeftOut(target, cmd.ErrOrStderr())
			return runAppend(cmd.Context(), cmd.OutOrStdout(), t, srcs, mirror, walk, opts, d) // after display: stderr with --progress=json
		},
	}
	tf.registerBurn(cmd)
	pf.register(cmd)
	cmd.Flags().StringVar(&mirror, "mirror", "", "make the new tree equal to this directory")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be written, write nothing")
	cmd.Flags().StringVar(&volumeID, "volume-id", "DISCSTAGE", "volume identifier of the new session (up to 32 characters A-Z 0-9 _)")
	cmd.Flags().StringVar(&verifyS, "verify", "full", "read back and check the session: none, quick or full")
	cmd.Flags().StringVar(&fixed, "time", "", "fix every recorded time (RFC 3339) for reproducible output")
	cmd.Flags().BoolVar(&closeIt, "close", false, "close the medium after this session")
	boot.register(cmd.Flags())
	udfF.register(cmd.Flags())
	cmd.Flags().BoolVar(&noMD5, "no-md5", false, "record no MD5 checksums (verification then compares the stream read back)")
	rootCmd.AddCommand(cmd)
}

// newImage is an image file an append made and the record of its
// medium, when that did not exist either.
type newImage struct {
	path, record string
	fi           fs.FileInfo // the file made; nil when none was
	held         bool        // the target's lock is held
}

// madeByLock is the image the target's lock l made (or, where a
// symbolic link leads nowhere yet, makes it), with its medium record
// when that is missing too.
func madeByLock(spec string, l *targetLock) (*newImage, error) {
	if !l.made || l.name == "" || targets.KindOf(spec).Name != "image" {
		return makeImage(spec, true)
	}
	// The file the lock made, where links led: never a link itself.
	p := l.name
	fi, err := os.Lstat(p)
	if err != nil {
		return &newImage{}, nil
	}
	return &newImage{path: p, record: missing(mediaRecordPath(spec)), fi: fi, held: true}, nil
}

// makeImage makes the image an append opens, empty, when it is
// missing: a blank medium; held says the target's lock is held.
// Nothing is made for a drive or an emulated drive, or when the image
// exists.
func makeImage(spec string, held bool) (*newImage, error) {
	if targets.KindOf(spec).Name != "image" {
		return &newImage{}, nil
	}
	return makeFile(spec, mediaRecordPath(spec), held)
}

// makeMedium makes the file of the medium a dry run opens, when it is
// missing, for the run to remove (newImage.remove) with the record
// beside it opening makes: an image and the record of its medium, or
// an emulated drive's medium file and its state file. The run holds no
// lock: it leaves a file another writer put a session into.
func makeMedium(spec string) (*newImage, error) {
	if targets.KindOf(spec).Name != "emulated" {
		return makeImage(spec, false)
	}
	f := targets.File(spec)
	if f == "" {
		return &newImage{}, nil
	}
	return makeFile(f, emu.StatePath(f), false)
}

// makeFile makes the file of a medium, name (through its links),
// empty when it is missing: a blank medium, whose record (the image's
// medium record, an emulated drive's state) goes with it when it is
// missing too.
func makeFile(name, record string, held bool) (*newImage, error) {
	p, err := outputPath(name)
	if err != nil {
		return &newImage{}, nil
	}
	record = missing(record)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return &newImage{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		os.Remove(p)
		return nil, fmt.Errorf("create %s: %w", p, err)
	}
	return &newImage{path: p, record: record, fi: fi, held: held}, nil
}

// missing returns p when nothing is there, else "".
func missing(p string) string {
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return p
	}
	return ""
}

// remove removes the image made, and the medium record with it, when
// the image is still the file made and still empty: no session went
// into it, from this run or from another writer. Without the target's
// lock it first takes the image's own, and leaves the image to a
// writer that holds it.
func (n *newImage) remove() {
	if n == nil || n.fi == nil {
		return
	}
	if !n.held {
		f, err := os.Open(n.path)
		if err != nil {
			return
		}
		l, err := platform.HoldFile(f)
		if err != nil {
			return
		}
		defer l.Unlock()
	}
	fi, err := os.Lstat(n.path)
	if err != nil || !os.SameFile(fi, n.fi) || fi.Size() != 0 {
		return
	}
	if err := os.Remove(n.path); err != nil {
		return
	}
	if n.record != "" {
		os.Remove(n.record)
	}
}

// targetLeftOut is how sources are walked for the target spec names:
// the files of the target, when they lie inside a source, are left out,
// each told on warn, as a session cannot hold the image it is written to
// (it would read a file that grows as it is read): an image and the
// record of its medium, or an emulated drive's medium file and its
// state file.
func targetLeftOut(spec string, warn io.Writer) localtree.Options {
	return leaveOut(targetFiles(spec), warn)
}

// targetFiles are the files of the target spec names; none for a drive.
func targetFiles(spec string) []string {
	f := targets.File(spec)
	switch {
	case f == "":
		return nil
	case targets.KindOf(spec).Name == "image":
		return []string{f, mediaRecordPath(f)}
	default:
		return []string{f, emu.StatePath(f)}
	}
}

// leaveOut walks sources without files, telling each left out, and each
// name the tree changes (not UTF-8), on warn.
func leaveOut(files []string, warn io.Writer) localtree.Options {
	return localtree.Options{Exclude: files, Excluded: func(p string) {
		fmt.Fprintf(warn, "discstage: note: %s left out: it is the image being written\n", p)
	}, Renamed: func(p, name string) {
		fmt.Fprintf(warn, "discstage: warning: %q: the name is not UTF-8: the disc names it %q, each stray byte read as Latin-1\n", p, name)
	}}
}

// buildSession returns the new session's tree: the newest session's tree
// with srcs merged in, or mirror's tree; and the newest session's tree
// (nil on a blank medium).
func buildSession(t writer.Target, srcs []string, mirror string, walk localtree.Options) (root *tree.Node, all tree.Changes, base *tree.Node, err error) {
	newest, err := burn.Newest(t)
	if err != nil {
		return nil, all, nil, err
	}
	if newest != nil {
		base = newest.Root
	}
	if mirror != "" {
		want, err := localtree.BuildWith(mirror, walk)
		if err != nil {
			return nil, all, base, err
		}
		root, ch := tree.Mirror(base, want)
		return root, ch, base, nil
	}
	newestRoot := base
	if base == nil {
		base = &tree.Node{Mode: os.ModeDir | 0o755, ModTime: time.Now()}
	}
	root = base
	for _, src := range srcs {
		add, err := sourceTree(src, root, walk)
		if err != nil {
			return nil, all, newestRoot, err
		}
		var ch tree.Changes
		root, ch = tree.Merge(root, add)
		all.Added = append(all.Added, ch.Added...)
		all.Replaced = append(all.Replaced, ch.Replaced...)
		all.Attrs = append(all.Attrs, ch.Attrs...)
		all.Kept = append(all.Kept, ch.Kept...)
		all.Removed = append(all.Removed, ch.Removed...)
	}
	all.Sort()
	return root, all, newestRoot, nil
}

// sourceTree returns the tree a SRC adds at the root: a directory's
// contents, or a single file or symlink under its own name in a root that
// keeps the attributes of root.
func sourceTree(src string, root *tree.Node, walk localtree.Options) (*tree.Node, error) {
	n, err := localtree.EntryWith(src, walk)
	if errors.Is(err, localtree.ErrExcluded) {
		return nil, usageError{fmt.Errorf("append: %s is the target itself", src)}
	}
	if err != nil {
		return nil, err
	}
	if n.IsDir() {
		n.Name = ""
		return n, nil
	}
	wrap := *root
	wrap.Children = []*tree.Node{n}
	return &wrap, nil
}

func runAppend(ctx context.Context, out io.Writer, t writer.Target, srcs []string, mirror string, walk localtree.Options, opts burn.AppendOptions, d *progress.Display) error {
	if ctx == nil {
		ctx = context.Background()
	}
	root, ch, base, err := buildSession(t, srcs, mirror, walk)
	if err != nil {
		return err
	}
	if base != nil && tree.Unchanged(base, root) {
		// A session would repeat the newest one. A closed medium is
		// refused below as for any append.
		m, err := t.Probe()
		if err != nil {
			return err
		}
		f, canClose := t.(writer.Finalizer)
		switch {
		case m.State == writer.Closed:
		case !opts.Close:
			fmt.Fprintln(out, "nothing changed: the newest session already holds this tree (files told by path, size and modification time); nothing written")
			return nil
		case canClose && !opts.DryRun && writer.ClosesWithoutSession(m.Profile):
			if err := f.Finalize(ctx); err != nil {
				return err
			}
			fmt.Fprintln(out, "nothing changed: the medium is closed without a new session")
			return nil
		}
	}
	res, err := burn.Append(ctx, t, root, opts)
	if err != nil {
		d.Stopped()
	}
	d.Finish()
	if err != nil && ctx.Err() != nil {
		return appendStopped(ctx, out, t, err)
	}
	if err != nil {
		return err
	}
	printWarnings(os.Stderr, res.Warnings)
	if res.Closed != nil {
		fmt.Fprintf(out, "closed first: %s\n", res.Closed)
	}
	for _, l := range []struct {
		what  string
		paths []string
	}{{"added", ch.Added}, {"replaced", ch.Replaced}, {"attrs", ch.Attrs}, {"kept", ch.Kept}, {"removed", ch.Removed}} {
		for _, p := range l.paths {
			fmt.Fprintf(out, "%-8s %s\n", l.what, tree.QuotePath(p))
		}
	}
	verb := "wrote"
	if opts.DryRun {
		verb = "would write"
	}
	verified := res.Verified
	if opts.DryRun {
		verified = ""
	}
	fmt.Fprintln(out, verb+" "+sessionWords("", res.Session.Number, res.Session.Start, res.Sectors, countFiles(root), verified))
	fmt.Fprintf(out, "new file data %s; %d added, %d replaced, %d attributes only, %d kept, %d removed\n",
		sectors(res.DataSectors), len(ch.Added), len(ch.Replaced), len(ch.Attrs), len(ch.Kept), len(ch.Removed))
	switch {
	case opts.Close && !opts.DryRun:
		fmt.Fprintln(out, "the disc is now closed: it takes no more sessions")
	case res.Full:
		fmt.Fprintln(out, "the disc is now full: it has no room for another session, and takes no more")
	}
	if !opts.DryRun {
		d.Outcome(newOutcomeJSON(res.Session.Number, res.Session.Start, res.Sectors, countFiles(root), res.Verified, opts.Close).
			withWarnings(warningsJSON(res.Warnings)))
	}
	if res.ListedElsewhere {
		fmt.Fprintf(out, "readers find it through the superblock, listed as the session at LBA %d\n", res.ListedStart)
	}
	if res.Free >= 0 {
		fmt.Fprintf(out, "free after the session: %s\n", sectors(res.Free))
	}
	return nil
}

// countFiles counts the regular files of a tree.
func countFiles(n *tree.Node) int {
	c := 0
	for _, k := range n.Children {
		switch {
		case k.IsDir():
			c += countFiles(k)
		case k.IsRegular():
			c++
		}
	}
	return c
}

// appendStopped closes what an append the user stopped left open on a
// write-once disc and says what is left.
func appendStopped(ctx context.Context, out io.Writer, t writer.Target, err error) error {
	closed, cerr := writer.CloseStopped(t)
	switch {
	case cerr != nil:
		return fmt.Errorf("%w: %w (and closing the track it began failed: %v)", errInterrupted, err, cerr)
	case closed != nil:
		fmt.Fprintf(out, "stopped: %s; it was closed, so the disc takes the next session\n", closed)
	default:
		fmt.Fprintln(out, "stopped: nothing of the session was kept; the medium is as it was")
	}
	return stoppedError(ctx, err)
}
