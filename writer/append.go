package writer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"slices"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// VerifyLevel says how a written session is checked, after IMAPI's levels.
type VerifyLevel int

const (
	// VerifyFull reads every sector of the session back and compares it
	// with what was written, then parses the session.
	VerifyFull VerifyLevel = iota
	// VerifyQuick parses the session's descriptors and tree back.
	VerifyQuick
	// VerifyNone does not read back.
	VerifyNone
)

// ParseVerifyLevel reads "none", "quick" or "full".
func ParseVerifyLevel(s string) (VerifyLevel, error) {
	switch s {
	case "full", "":
		return VerifyFull, nil
	case "quick":
		return VerifyQuick, nil
	case "none":
		return VerifyNone, nil
	}
	return 0, fmt.Errorf("writer: unknown verify level %q (none, quick, full)", s)
}

// AppendOptions tunes Append.
type AppendOptions struct {
	VolumeID string
	// Time, if set, fixes every time the session records for
	// reproducible output.
	Time     time.Time
	Close    bool
	Verify   VerifyLevel
	Progress func(Progress)
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
}

// masterOptions are the mastering options of a session at start.
func masterOptions(t Target, m Medium, opts AppendOptions) master.Options {
	return master.Options{
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
}

// keptBootCatalog is the El Torito boot catalog of the newest session,
// which the next session points at again (master.Options.KeepBootCatalog).
func keptBootCatalog(t Target, m Medium) uint32 {
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
	// Closed is what an interrupted burn had left open on a write-once
	// medium and was closed before the session (its Lost sectors are
	// gone), or nil.
	Closed *Interrupted
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

// layout masters root for t's next writable address and checks that it
// can be written there.
func layout(t Target, root *tree.Node, opts AppendOptions) (Medium, *master.Image, error) {
	m, err := t.Probe()
	if err != nil {
		return m, nil, err
	}
	if m.State == Closed {
		return m, nil, fmt.Errorf("writer: append: %w", ErrClosed)
	}
	if len(opts.Boot) > 0 && len(m.Sessions) > 0 {
		return m, nil, fmt.Errorf("writer: append: boot images go in the first session only, the medium has %d: %w", len(m.Sessions), master.ErrUnsupported)
	}
	if !opts.NoMD5 {
		knownMD5s(t, m, root)
	}
	im, err := master.Layout(root, masterOptions(t, m, opts))
	if err != nil {
		return m, nil, err
	}
	if free := m.Free(); free >= 0 && int64(im.Sectors()) > free {
		return m, nil, &SpaceError{Need: int64(im.Sectors()), Free: free}
	}
	return m, im, nil
}

// knownMD5s sets the MD5 of files of root that are carried over (Extents)
// without one, from the newest session's checksum array, where a file of
// that session has the same extents: so that files a caller rebuilt from
// its own records (the staging area keeps extents, not checksums) are
// not read again to be checksummed. Files it cannot match are read once
// by the mastering (master.Options.Medium). A newest session that cannot
// be read leaves root as it is.
func knownMD5s(t Target, m Medium, root *tree.Node) {
	if len(m.Sessions) == 0 {
		return
	}
	s, err := master.ReadSession(t, m.Readable, m.Sessions[len(m.Sessions)-1].Start)
	if err != nil || s.Checksums == nil {
		return
	}
	known := map[tree.Extent]*tree.Node{}
	var index func(n *tree.Node)
	index = func(n *tree.Node) {
		for _, c := range n.Children {
			switch {
			case c.IsDir():
				index(c)
			case c.HasMD5 && len(c.Extents) > 0:
				known[c.Extents[0]] = c
			}
		}
	}
	index(s.Root)
	var fill func(n *tree.Node)
	fill = func(n *tree.Node) {
		for _, c := range n.Children {
			switch {
			case c.IsDir():
				fill(c)
			case c.IsRegular() && c.Source == nil && !c.HasMD5 && len(c.Extents) > 0:
				if k := known[c.Extents[0]]; k != nil && k.Size == c.Size && slices.Equal(k.Extents, c.Extents) {
					c.MD5, c.HasMD5 = k.MD5, true
				}
			}
		}
	}
	fill(root)
}

// Project returns the size in sectors that a session with this tree would
// have on t, without writing anything.
func Project(t Target, root *tree.Node, opts AppendOptions) (uint32, error) {
	m, err := t.Probe()
	if err != nil {
		return 0, err
	}
	im, err := master.Layout(root, masterOptions(t, m, opts))
	if err != nil {
		return 0, err
	}
	return im.Sectors(), nil
}

// Append masters root as a new session at t's next writable address,
// refuses it before any write if it does not fit or the medium is closed,
// writes it, and verifies it at opts.Verify. On any failure the sessions
// already on the medium are unchanged.
func Append(ctx context.Context, t Target, root *tree.Node, opts AppendOptions) (*Result, error) {
	report := func(p Progress) {
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	report(Progress{Phase: PhasePreparing, Started: time.Now(), Fifo: -1})
	var closed *Interrupted
	if dc, ok := t.(DamageCloser); ok && !opts.DryRun {
		// Close what an interrupted burn left open first, so that the
		// session is mastered for where the drive itself puts it.
		m, err := t.Probe()
		if err != nil {
			return nil, err
		}
		if m.Interrupted != nil && m.State != Closed {
			if closed, err = dc.CloseDamaged(); err != nil {
				return nil, err
			}
		}
	}
	report(Progress{Phase: PhaseMastering, Started: time.Now(), Fifo: -1})
	m, im, err := layout(t, root, opts)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Session:     tree.SessionInfo{Number: len(m.Sessions) + 1, Start: im.Start(), Size: im.Sectors(), VolumeID: opts.VolumeID, Time: opts.Time},
		Sectors:     im.Sectors(),
		DataSectors: im.DataSectors(),
		Warnings:    im.Warnings(),
		Free:        -1,
		Closed:      closed,
	}
	if free := m.Free(); free >= 0 {
		res.Free = free - int64(im.Sectors())
	}
	if opts.DryRun {
		return res, nil
	}
	hs := &hashedSession{Session: im, h: sha256.New()}
	var sess Session = im
	if opts.NoMD5 {
		sess = hs // hashed for the comparison after the write
	}
	if err := t.WriteSession(ctx, sess, WriteOptions{Close: opts.Close, Progress: beforeDone(opts.Progress)}); err != nil {
		return nil, err
	}
	if !opts.NoMD5 {
		err = verifyTags(t, im, opts.Verify, report)
	} else {
		err = verify(ctx, t, im, hs.h.Sum(nil), opts.Verify, report)
	}
	if err != nil {
		return nil, err
	}
	res.Verified = verifiedWords(opts)
	after, err := t.Probe()
	if err != nil {
		return nil, err
	}
	if len(after.Sessions) > 0 {
		res.Session = after.Sessions[len(after.Sessions)-1]
		if res.Session.Start != im.Start() {
			res.ListedStart, res.Session.Start, res.ListedElsewhere = res.Session.Start, im.Start(), true
		}
	}
	report(Progress{Phase: PhaseDone, Fifo: -1})
	return res, nil
}

// hashedSession hashes the stream as it is written.
type hashedSession struct {
	Session
	h hash.Hash
}

func (s *hashedSession) WriteTo(w io.Writer) (int64, error) {
	return s.Session.WriteTo(io.MultiWriter(w, s.h))
}

// verifyTags reads a session with checksums back and checks it against
// them: at VerifyFull every sector of the session (tags and checksum
// array), at VerifyQuick the descriptors and the directory tree (the
// superblock and tree tags) and the parsed tree.
func verifyTags(t Target, im *master.Image, level VerifyLevel, report func(Progress)) error {
	if level == VerifyNone {
		return nil
	}
	total := int64(im.Sectors()) * tree.SectorSize
	started := time.Now()
	report(Progress{Phase: PhaseVerifying, Total: total, Started: started, Fifo: -1})
	m, err := t.Probe()
	if err != nil {
		return fmt.Errorf("writer: verify session at LBA %d: %w: %w", im.Start(), ErrVerify, err)
	}
	if err := atNewest(t, m, im); err != nil {
		return err
	}
	ml := master.VerifyQuick
	if level == VerifyFull {
		ml = master.VerifySession
	}
	rep, err := master.Verify(countReads(t, im, started, report), m.Readable, im.Start(), ml)
	if err == nil && !rep.Checksummed {
		err = master.ErrUnverifiable
	}
	if err != nil {
		return fmt.Errorf("writer: verify session at LBA %d: %w: %w", im.Start(), ErrVerify, err)
	}
	report(Progress{Phase: PhaseVerifying, Done: total, Total: total, Started: started, Fifo: -1})
	return nil
}

// atNewest checks that the medium names the session just written as its
// newest, where every reader (a kernel through the table of contents,
// xorriso, discstage's next mount) looks for it: a session written
// anywhere else verifies bad, whatever its own sectors hold. On grown
// media the newest session readers list may be the superblock's copy of
// the session's head at LBA 0 (a plain image, a chain another writer
// broke): that is the session when its root directory record is the
// session's own.
func atNewest(r io.ReaderAt, m Medium, im *master.Image) error {
	if n := len(m.Sessions); n > 0 && m.Grown && m.Sessions[n-1].Start == 0 && im.Start() != 0 && sameRoot(r, 0, im.Start()) {
		return nil
	}
	if n := len(m.Sessions); n == 0 || m.Sessions[n-1].Start != im.Start() {
		at := "no session"
		if n > 0 {
			at = fmt.Sprintf("the session at LBA %d", m.Sessions[n-1].Start)
		}
		return fmt.Errorf("writer: verify session at LBA %d: readers find %s as the newest: %w", im.Start(), at, ErrVerify)
	}
	return nil
}

// sameRoot tells whether the primary volume descriptors of the sessions
// at LBAs a and b name the same root directory.
func sameRoot(r io.ReaderAt, a, b uint32) bool {
	const pvd, root, rootLen = 16, 156, 34
	var x, y [rootLen]byte
	if _, err := r.ReadAt(x[:], (int64(a)+pvd)*tree.SectorSize+root); err != nil {
		return false
	}
	if _, err := r.ReadAt(y[:], (int64(b)+pvd)*tree.SectorSize+root); err != nil {
		return false
	}
	return x == y && x[0] == rootLen
}

// verify reads the session back: at VerifyFull every sector is hashed and
// compared with the hash of the stream; at VerifyQuick and above the
// session's descriptors and tree are parsed back.
func verify(ctx context.Context, t Target, im *master.Image, want []byte, level VerifyLevel, report func(Progress)) error {
	if level == VerifyNone {
		return nil
	}
	total := int64(im.Sectors()) * tree.SectorSize
	started := time.Now()
	if level == VerifyFull {
		h := sha256.New()
		r := io.NewSectionReader(t, int64(im.Start())*tree.SectorSize, total)
		buf := make([]byte, 1<<20)
		var done int64
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			n, err := r.Read(buf)
			h.Write(buf[:n])
			done += int64(n)
			report(Progress{Phase: PhaseVerifying, Done: done, Total: total, Started: started, Fifo: -1})
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("writer: verify session at LBA %d: read at byte %d: %w", im.Start(), done, err)
			}
		}
		if done != total {
			return fmt.Errorf("writer: verify session at LBA %d: read back %d of %d bytes: %w", im.Start(), done, total, ErrVerify)
		}
		if got := h.Sum(nil); !bytes.Equal(got, want) {
			return fmt.Errorf("writer: verify session at LBA %d: the data read back differs from the data written: %w", im.Start(), ErrVerify)
		}
	}
	m, err := t.Probe()
	if err != nil {
		return fmt.Errorf("writer: verify session at LBA %d: %w: %w", im.Start(), ErrVerify, err)
	}
	if err := atNewest(t, m, im); err != nil {
		return err
	}
	if _, err := master.ReadSession(t, m.Readable, im.Start()); err != nil {
		return fmt.Errorf("writer: verify session at LBA %d: %w: %w", im.Start(), ErrVerify, err)
	}
	return nil
}

// Newest reads the newest readable session of t, or returns nil on a
// blank medium. Newer sessions an interrupted burn left incomplete, or
// whose descriptors and tree cannot be read, are passed over (Skipped
// tells which); when none can be read, the newest one's error is
// returned.
func Newest(t Target) (*master.Session, error) {
	m, err := t.Probe()
	if err != nil {
		return nil, err
	}
	return newestOf(t, m)
}

func newestOf(t Target, m Medium) (*master.Session, error) {
	var first error
	for i := len(m.Sessions) - 1; i >= 0; i-- {
		si := m.Sessions[i]
		if si.Incomplete {
			if first == nil {
				first = fmt.Errorf("writer: session %d at LBA %d is incomplete: %w", si.Number, si.Start, master.ErrNotISO)
			}
			continue
		}
		s, err := master.ReadSession(t, m.Readable, si.Start)
		if err == nil {
			err = within(m, si, s)
		}
		if err == nil {
			return s, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// within checks, on media with a table of contents, that no file of a
// session lies past the session's end: a burn interrupted, then closed,
// leaves a session whose descriptors and directories were recorded but
// not all of its files.
func within(m Medium, si tree.SessionInfo, s *master.Session) error {
	if m.Grown {
		return nil
	}
	end := uint64(si.Start) + uint64(si.Size)
	var bad error
	var walk func(n *tree.Node, path string)
	walk = func(n *tree.Node, path string) {
		for _, c := range n.Children {
			if bad != nil {
				return
			}
			p := path + "/" + c.Name
			if c.IsDir() {
				walk(c, p)
				continue
			}
			for _, e := range c.Extents {
				if uint64(e.LBA)+(uint64(e.Length)+tree.SectorSize-1)/tree.SectorSize > end {
					bad = fmt.Errorf("writer: session %d at LBA %d is incomplete: %s lies past its end at LBA %d: %w", si.Number, si.Start, p, end, master.ErrNotISO)
					return
				}
			}
		}
	}
	walk(s.Root, "")
	return bad
}

// Skipped lists the sessions newer than the newest readable one (see
// Newest): those an interrupted burn left incomplete or that cannot be
// read. Only a medium's newest sessions are tried.
func Skipped(t Target) ([]tree.SessionInfo, error) {
	m, err := t.Probe()
	if err != nil {
		return nil, err
	}
	var out []tree.SessionInfo
	for i := len(m.Sessions) - 1; i >= 0; i-- {
		si := m.Sessions[i]
		if !si.Incomplete {
			s, err := master.ReadSession(t, m.Readable, si.Start)
			if err == nil && within(m, si, s) == nil {
				break
			}
		}
		out = append([]tree.SessionInfo{si}, out...)
	}
	return out, nil
}

// ReadSession reads session number n (from 1) of t.
func ReadSession(t Target, n int) (*master.Session, error) {
	m, err := t.Probe()
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(m.Sessions) {
		return nil, fmt.Errorf("writer: no session %d (the medium has %d)", n, len(m.Sessions))
	}
	return master.ReadSession(t, m.Readable, m.Sessions[n-1].Start)
}
