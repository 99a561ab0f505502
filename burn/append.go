package burn

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// AppendOptions tunes Append.
type AppendOptions struct {
	VolumeID string
	// Time, if set, fixes every time the session records for
	// reproducible output.
	Time  time.Time
	Close bool
	// Verify is how the written session is read back and checked. A
	// burn checks what it wrote: at master.VerifySession and
	// master.VerifyFull every sector of the session, at
	// master.VerifyQuick its descriptors and tree, at master.VerifyNone
	// nothing. Files carried over from earlier sessions are not read
	// again (`discstage verify --level full` reads them). The zero value
	// is master.VerifySession.
	Verify   master.VerifyLevel
	Progress func(writer.Progress)
	// DryRun masters the session and checks that it fits, but writes nothing.
	DryRun bool
	// NoJoliet and NoRockRidge leave those hierarchies out.
	NoJoliet, NoRockRidge bool
	// NoMD5 leaves out the checksums (libisofs format: tags and a
	// checksum array, see master.Options.MD5) that Append records by
	// default and verifies the session against.
	NoMD5 bool
	// Boot makes the session bootable (master.Options.Boot); only the
	// first session of a medium may be.
	Boot []master.BootImage
	// UDF is the revision of the UDF bridge every session carries
	// (udf.Rev102, Rev201, Rev250); 0 means DefaultUDF. NoUDF writes
	// none.
	UDF   uint16
	NoUDF bool
}

// masterOptions are the mastering options of a session at start.
func masterOptions(t writer.Target, m writer.Medium, opts AppendOptions) master.Options {
	o := master.Options{
		StartLBA:            m.NextWritable,
		VolumeID:            opts.VolumeID,
		Joliet:              !opts.NoJoliet,
		RockRidge:           !opts.NoRockRidge,
		Time:                opts.Time,
		AbsoluteVolumeSpace: !m.Grown,
		MD5:                 !opts.NoMD5,
		Medium:              t,
		Boot:                opts.Boot,
		KeepBootCatalog:     keptBootCatalog(t, m),
	}
	if o.KeepBootCatalog != 0 {
		o.KeepBootNames = bootNames(t, m)
	}
	udfOptions(&o, t, m, opts)
	return o
}

// bootNames returns what master.Options.KeepBootNames takes: the path of
// the file of the newest session whose data starts at an LBA, or "". The
// session's tree is read at the first call, which comes only when a
// boot image of the kept catalog is no file's data any more.
func bootNames(t writer.Target, m writer.Medium) func(lba uint32) string {
	var paths map[uint32]string
	return func(lba uint32) string {
		if paths == nil {
			paths = map[uint32]string{}
			s, err := master.ReadSession(t, m.Readable, m.Sessions[len(m.Sessions)-1].Start)
			if err != nil {
				return "" // a session that cannot be read fails elsewhere
			}
			var walk func(n *tree.Node, p string)
			walk = func(n *tree.Node, p string) {
				if n.IsRegular() && n.Source == nil {
					if x, ok := tree.FirstData(n.Extents); ok {
						if _, seen := paths[x.LBA]; !seen {
							paths[x.LBA] = p
						}
					}
				}
				for _, k := range n.Children {
					walk(k, path.Join(p, k.Name))
				}
			}
			walk(s.Root, "/")
		}
		return paths[lba]
	}
}

// keptBootCatalog is the El Torito boot catalog of the newest session,
// which the next session points at again (master.Options.KeepBootCatalog).
func keptBootCatalog(t writer.Target, m writer.Medium) uint32 {
	if len(m.Sessions) == 0 {
		return 0
	}
	return master.BootCatalog(t, m.Readable, m.Sessions[len(m.Sessions)-1].Start)
}

// Result describes an appended session.
type Result struct {
	Session     tree.SessionInfo
	Sectors     uint32 // the session's size
	DataSectors uint32 // of which new file data
	Warnings    []master.Warning
	Free        int64 // sectors left after the session; -1 when unbounded
	// Full: the session left the medium no room for another, so it
	// takes no more sessions, though it was not asked to close.
	Full bool
	// Closed is what an interrupted burn had left open on a write-once
	// medium and was closed before the session (its Lost sectors are
	// gone), or nil.
	Closed *writer.Interrupted
	// ListedStart is where the medium's session list shows the session
	// when that is not where it was written (Session.Start): a plain
	// image's only listed session is the superblock copy at LBA 0, and
	// a chain broken by another writer's damaged Volume Space Size
	// reaches no later session. ListedElsewhere says they differ.
	ListedStart     uint32
	ListedElsewhere bool
	// Verified says how the session was checked after writing, in
	// words: "MD5 match", "read back identical", "descriptors and tree
	// read back", "not verified".
	Verified string
}

// written is where a session was written: all its read-back needs of
// the layout it was written from.
type written struct {
	start, sectors uint32
}

// layout masters root for t's next writable address and checks that it
// can be written there. Its warnings are the image's and droppedAttrs'.
func layout(t writer.Target, root *tree.Node, opts AppendOptions) (writer.Medium, *master.Image, []master.Warning, error) {
	m, err := t.Probe()
	if err != nil {
		return m, nil, nil, err
	}
	if m.State == writer.Closed {
		return m, nil, nil, fmt.Errorf("burn: append: the medium takes no more sessions (it was closed, or its last session left no room for another): %w", writer.ErrClosed)
	}
	if len(opts.Boot) > 0 && len(m.Sessions) > 0 {
		return m, nil, nil, fmt.Errorf("burn: append: boot images go in the first session only, the medium has %d: %w", len(m.Sessions), master.ErrUnsupported)
	}
	// The newest session's tree is let go before the layout, which
	// needs as much again.
	newest := newestSession(t, m)
	if !opts.NoMD5 {
		knownMD5s(newest, root)
	}
	dropped := droppedAttrs(newest, root)
	mo := masterOptions(t, m, opts)
	if opts.Progress != nil {
		mo.Progress = func(done, total int64) {
			opts.Progress(writer.Progress{Phase: writer.PhaseMastering, Done: done, Total: total, Fifo: -1})
		}
	}
	im, err := master.Layout(root, mo)
	if err != nil {
		return m, nil, nil, err
	}
	if free := m.Free(); free >= 0 && int64(im.Sectors()) > free {
		return m, nil, nil, &writer.SpaceError{Need: int64(im.Sectors()), Free: free, Where: m.FreeWhere()}
	}
	return m, im, append(im.Warnings(), dropped...), nil
}

// Project returns the size in sectors that a session with this tree would
// have on t, and the warnings it would be written with (Result.Warnings),
// without writing anything.
func Project(t writer.Target, root *tree.Node, opts AppendOptions) (uint32, []master.Warning, error) {
	m, err := t.Probe()
	if err != nil {
		return 0, nil, err
	}
	// The newest session's tree is let go before the layout, which
	// needs as much again.
	dropped := droppedAttrs(newestSession(t, m), root)
	im, err := master.Layout(root, masterOptions(t, m, opts))
	if err != nil {
		return 0, nil, err
	}
	return im.Sectors(), append(im.Warnings(), dropped...), nil
}

// WrittenError is the error of an Append whose session was written but
// failed its verification (Err wraps writer.ErrVerify, or says why the
// session could not be read back): the medium holds the session at
// Start, of Sectors, as its newest, and it is not to be trusted.
type WrittenError struct {
	Start, Sectors uint32
	Err            error
}

func (e *WrittenError) Error() string { return e.Err.Error() }
func (e *WrittenError) Unwrap() error { return e.Err }

// Append masters root as a new session at t's next writable address,
// refuses it before any write if it does not fit or the medium is closed,
// writes it, and verifies it at opts.Verify. On any failure the sessions
// already on the medium are unchanged; one that fails after the session
// was written, in its verification, is a *WrittenError.
func Append(ctx context.Context, t writer.Target, root *tree.Node, opts AppendOptions) (*Result, error) {
	report := func(p writer.Progress) {
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	report(writer.Progress{Phase: writer.PhasePreparing, Started: time.Now(), Fifo: -1})
	var closed *writer.Interrupted
	if dc, ok := t.(writer.DamageCloser); ok && !opts.DryRun {
		// Close what an interrupted burn left open first, so that the
		// session is mastered for where the drive itself puts it.
		m, err := t.Probe()
		if err != nil {
			return nil, err
		}
		if m.Interrupted != nil && m.State != writer.Closed {
			if closed, err = dc.CloseDamaged(); err != nil {
				return nil, err
			}
		}
	}
	report(writer.Progress{Phase: writer.PhaseMastering, Started: time.Now(), Fifo: -1})
	m, im, warnings, err := layout(t, root, opts)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Session:     tree.SessionInfo{Number: len(m.Sessions) + 1, Start: im.Start(), Size: im.Sectors(), VolumeID: opts.VolumeID, Time: opts.Time},
		Sectors:     im.Sectors(),
		DataSectors: im.DataSectors(),
		Warnings:    warnings,
		Free:        -1,
		Closed:      closed,
	}
	if opts.DryRun {
		// What the next session could take, worked out with what a
		// session costs past its own sectors (a CD's lead-out and
		// lead-in); a session written is told it by the medium.
		res.Free = m.FreeAfter(int64(im.Sectors()))
		return res, nil
	}
	var sess writer.Session = im
	var hs *hashedSession
	if opts.NoMD5 {
		hs = &hashedSession{Session: im, h: sha256.New()}
		sess = hs // hashed for the comparison after the write
	}
	if err := t.WriteSession(ctx, sess, writer.WriteOptions{Close: opts.Close, Progress: beforeDone(opts.Progress)}); err != nil {
		return nil, err
	}
	level := opts.Verify
	if level == 0 {
		level = master.VerifySession
	}
	// The read-back takes only where the session was written, not the
	// layout (a structure per file for each hierarchy, and the tree it
	// was made from), which can go before the session's trees are read:
	// on a disc of a million files the two would be gigabytes at once.
	w := written{im.Start(), im.Sectors()}
	if !opts.NoMD5 {
		err = verifyTags(t, w, level, report)
	} else {
		err = verify(ctx, t, w, hs.h.Sum(nil), level, report)
	}
	if err != nil {
		return nil, &WrittenError{Start: w.start, Sectors: w.sectors, Err: err}
	}
	res.Verified = verifiedWords(level, opts.NoMD5)
	after, err := t.Probe()
	if err != nil {
		return nil, err
	}
	res.Free = after.Free()
	res.Full = after.State == writer.Closed && !opts.Close
	if len(after.Sessions) > 0 {
		res.Session = after.Sessions[len(after.Sessions)-1]
		if res.Session.Start != w.start {
			res.ListedStart, res.Session.Start, res.ListedElsewhere = res.Session.Start, w.start, true
		}
	}
	report(writer.Progress{Phase: writer.PhaseDone, Fifo: -1})
	return res, nil
}
