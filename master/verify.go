package master

import (
	"bytes"
	"cmp"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/discstage/discstage/internal/md5pair"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// VerifyLevel says how much of a session is read back and checked: by
// Verify, by a burn after it writes (package burn) and by `discstage
// verify`. It is discstage's one verify level. The zero value is no level
// of its own: a caller reads it as its default (a burn as VerifySession,
// Verify as VerifyQuick).
type VerifyLevel int

const (
	// VerifyNone reads nothing back: a burn that is not checked. Verify
	// reads at least at VerifyQuick.
	VerifyNone VerifyLevel = iota + 1
	// VerifyQuick checks the superblock and tree tags (their own MD5,
	// position and range, and the MD5 of the sectors they cover: the
	// descriptors and the directory tree) and parses the tree.
	VerifyQuick
	// VerifySession also reads every sector of the session up to its
	// session tag and checks it and the checksum array's session entry:
	// everything the session wrote, without reading files carried over
	// from earlier sessions. It is what a writer checks after a write.
	VerifySession
	// VerifyFull also reads every file, wherever its data lies, and
	// compares it with its recorded MD5.
	VerifyFull
)

// Errors of Verify. Callers test them with errors.Is.
var (
	// ErrMismatch reports that recorded checksums do not match the data
	// read: the returned report lists each problem.
	ErrMismatch = errors.New("master: checksum mismatch")
	// ErrUnverifiable reports a session without checksum tags: it was
	// read through without error but nothing proves its content right.
	ErrUnverifiable = errors.New("master: session has no checksums")
)

// Problem is one thing Verify found wrong.
type Problem struct {
	// Path is the file concerned, or empty for a region of the session.
	Path string
	// What names the structure: "file data", "superblock tag", ...
	What string
	// First and Last are the sectors concerned (inclusive, absolute).
	First, Last uint32
	// Detail says what did not match.
	Detail string
}

// String formats the problem for a person.
func (p Problem) String() string {
	where := fmt.Sprintf("LBA %d-%d", p.First, p.Last)
	if p.Path != "" {
		return fmt.Sprintf("%s: %s at %s: %s", tree.QuotePath(p.Path), p.What, where, p.Detail)
	}
	return fmt.Sprintf("%s, %s: %s", p.What, where, p.Detail)
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	Start uint32 // the session's first sector
	// Tags are the checksum tags found and checked, in order.
	Tags []Tag
	// Checksummed is set when the session has a superblock tag.
	Checksummed bool
	// Sectors is how many sectors of the session were read and hashed.
	Sectors int64
	// Files counts regular files whose data was checked against their
	// MD5; Unchecked counts regular files with no recorded MD5 (their
	// data was still read at VerifyFull).
	Files, Unchecked int
	// Problems lists every mismatch, in the order found.
	Problems []Problem
}

// vReader hashes a session front to back.
type vReader struct {
	r       io.ReaderAt
	sectors int64
	pos     uint32 // next sector to hash
	h       hash.Hash
	buf     []byte // for reading files outside the sequential pass
	rep     *VerifyReport

	// The sequential pass is a pipeline (see to): this goroutine reads
	// chunks into pooled buffers and hands each to the session stage,
	// which hashes the session's MD5, and, unless joint, to the file
	// stage, which hashes the files' MD5s from the same bytes. When
	// joint (verifyJoint), the session stage hashes the files' pieces
	// with the session's (md5pair.WriteBoth) and there is no file stage.
	joint        bool
	sessQ, fileQ chan *vChunk
	stages       sync.WaitGroup
	pool         chan []byte // free chunk buffers
	made         int         // chunk buffers made so far, at most vChunks
	chunkSize    int

	files    []*vFile // regular files of the tree, at VerifyFull
	spans    []vSpan  // extents hashed during the sequential pass, by start
	nextSpan int      // first span not yet fully fed
}

// The sequential pass reads in chunks of vChunkSize bytes, small enough
// that a chunk read stays in the core's cache for the hashing that
// follows, with vChunks of them in flight so that reading and the two
// hash stages overlap.
const (
	vChunkSize = 256 << 10
	vChunks    = 6
)

// vFile is a regular file being checked.
type vFile struct {
	n           *tree.Node
	path        string
	ext         []tree.Extent // its data as recorded (compressed, for zisofs)
	h           hash.Hash     // fed during the sequential pass; nil otherwise
	first, last uint32        // the sectors of its data
}

// vSpan is one extent fed to its file's hash as the session is read.
type vSpan struct {
	start, end int64 // byte offsets on the medium
	f          *vFile
}

// vChunk is a chunk read at byte offset off of the medium; refs counts
// the stages still using it.
type vChunk struct {
	b    []byte
	off  int64
	refs atomic.Int32
}

// verifyJoint says whether Verify hashes the session's and the files'
// MD5s in one stage (md5pair.WriteBoth, about one pass for both) rather
// than in two stages on two cores. Reading back costs little beside
// hashing, unlike mastering's writes, so with two cores or more two
// stages finish first: each runs one pass at the hash's own speed.
func verifyJoint() bool {
	return pairedHashes && runtime.GOMAXPROCS(0) < 2
}

// sessionStage hashes chunks into the session's MD5, and into the
// files' when joint.
func (v *vReader) sessionStage() {
	defer v.stages.Done()
	for c := range v.sessQ {
		if v.joint {
			v.feed(c.b, c.off, v.h.(*md5pair.Digest))
		} else {
			v.h.Write(c.b)
		}
		v.release(c)
	}
}

// fileStage hashes chunks into the files' MD5s.
func (v *vReader) fileStage() {
	defer v.stages.Done()
	for c := range v.fileQ {
		v.feed(c.b, c.off, nil)
		v.release(c)
	}
}

func (v *vReader) release(c *vChunk) {
	if c.refs.Add(-1) == 0 {
		v.pool <- c.b[:cap(c.b)]
	}
}

// take returns a free chunk buffer, making one while fewer than vChunks
// exist.
func (v *vReader) take() []byte {
	select {
	case b := <-v.pool:
		return b
	default:
	}
	if v.made < vChunks {
		v.made++
		return make([]byte, v.chunkSize)
	}
	return <-v.pool
}

// settle waits until the stages have handled every chunk handed to
// them: every buffer made is back in the pool.
func (v *vReader) settle() {
	bs := make([][]byte, 0, v.made)
	for range v.made {
		bs = append(bs, <-v.pool)
	}
	for _, b := range bs {
		v.pool <- b
	}
}

// close stops the stages.
func (v *vReader) close() {
	close(v.sessQ)
	if v.fileQ != nil {
		close(v.fileQ)
	}
	v.stages.Wait()
}

// to hashes the sectors up to (not including) lba.
func (v *vReader) to(lba uint32) error {
	if int64(lba) > v.sectors {
		return fmt.Errorf("master: verify: LBA %d is past the medium end (%d sectors): %w", lba-1, v.sectors, ErrCorrupt)
	}
	// The caller finds the hashes up to lba and the stages idle.
	defer v.settle()
	for v.pos < lba {
		buf := v.take()
		n := min(int64(lba-v.pos), int64(len(buf)/tree.SectorSize))
		off := int64(v.pos) * tree.SectorSize
		c := &vChunk{b: buf[:n*tree.SectorSize], off: off}
		if _, err := v.r.ReadAt(c.b, off); err != nil {
			v.pool <- buf
			return fmt.Errorf("master: verify: read LBA %d-%d: %w", v.pos, v.pos+uint32(n)-1, err)
		}
		if v.joint {
			c.refs.Store(1)
			v.sessQ <- c
		} else {
			c.refs.Store(2)
			v.sessQ <- c
			v.fileQ <- c
		}
		v.pos += uint32(n)
		v.rep.Sectors += n
	}
	return nil
}

// feed hands the bytes of chunk b, read at byte offset off, to the files
// whose extents it overlaps. With sess (a joint pipe) it hashes the
// chunk into the session's MD5 too, each file piece into both at once;
// a piece that another file's extent already covered (shared data) goes
// to its file alone.
func (v *vReader) feed(b []byte, off int64, sess *md5pair.Digest) {
	end, pos := off+int64(len(b)), off
	for i := v.nextSpan; i < len(v.spans) && v.spans[i].start < end; i++ {
		sp := v.spans[i]
		if sp.end <= off {
			if i == v.nextSpan {
				v.nextSpan++
			}
			continue
		}
		lo, hi := max(sp.start, off), min(sp.end, end)
		piece := b[lo-off : hi-off]
		if sess == nil || lo < pos {
			sp.f.h.Write(piece)
			continue
		}
		sess.Write(b[pos-off : lo-off])
		md5pair.WriteBoth(sess, sp.f.h.(*md5pair.Digest), piece)
		pos = hi
	}
	if sess != nil {
		sess.Write(b[pos-off:])
	}
}

// sector reads and hashes the sector at v.pos and returns it.
func (v *vReader) sector() ([]byte, error) {
	b := make([]byte, tree.SectorSize)
	if int64(v.pos) >= v.sectors {
		return nil, fmt.Errorf("master: verify: LBA %d is past the medium end (%d sectors): %w", v.pos, v.sectors, ErrCorrupt)
	}
	if _, err := v.r.ReadAt(b, int64(v.pos)*tree.SectorSize); err != nil {
		return nil, fmt.Errorf("master: verify: read LBA %d: %w", v.pos, err)
	}
	return b, nil
}

// tag checks the tag of type typ expected at v.pos: after a successful
// check the tag sector is hashed too. ok is false when the tag is
// missing or damaged (a problem is then recorded).
func (v *vReader) tag(typ TagType, start uint32) (Tag, bool, error) {
	pos := v.pos
	b, err := v.sector()
	if err != nil {
		return Tag{}, false, err
	}
	t, perr := ParseTag(b)
	sum := [16]byte(v.h.Sum(nil))
	v.h.Write(b)
	v.pos++
	v.rep.Sectors++
	switch {
	case perr != nil:
		v.problem(typ.String(), pos, pos, perr.Error())
		return t, false, nil
	case t.Type != typ:
		v.problem(typ.String(), pos, pos, fmt.Sprintf("found a %s instead", t.Type))
		return t, false, nil
	case t.Pos != pos || t.RangeStart != start || t.RangeSize != pos-start:
		v.problem(typ.String(), pos, pos, fmt.Sprintf("tag says pos=%d range_start=%d range_size=%d, found at LBA %d in the session at LBA %d", t.Pos, t.RangeStart, t.RangeSize, pos, start))
		return t, false, nil
	}
	v.rep.Tags = append(v.rep.Tags, t)
	if t.MD5 != sum {
		v.problem(typ.String()+" range", start, pos-1, fmt.Sprintf("MD5 %x, the tag records %x", sum, t.MD5))
	}
	return t, true, nil
}

func (v *vReader) problem(what string, first, last uint32, detail string) {
	v.rep.Problems = append(v.rep.Problems, Problem{What: what, First: first, Last: last, Detail: detail})
}

// Verify checks the session at LBA start of a medium of the given size
// in sectors against the checksums libisofs' format records in it (see
// checksum.go), at the given level. It returns the report and:
//   - nil when every checksum matched;
//   - an error wrapping ErrMismatch when something did not (the report
//     lists each problem: the file by path or the region by LBAs);
//   - an error wrapping ErrUnverifiable when the session has no
//     checksum tags, after reading it (at VerifyFull every sector of
//     the session and every file);
//   - another error when the session cannot be read or parsed.
func Verify(r io.ReaderAt, sectors int64, start uint32, level VerifyLevel) (*VerifyReport, error) {
	rep := &VerifyReport{Start: start}
	v := newVReader(r, sectors, start, rep)
	defer v.close()
	if err := v.to(start + 16); err != nil {
		return rep, err
	}
	// The volume descriptors up to the terminator.
	for i := 0; ; i++ {
		if i >= rMaxDescriptors {
			return rep, fmt.Errorf("master: verify session at LBA %d: volume descriptor set not terminated: %w", start, ErrCorrupt)
		}
		b, err := v.sector()
		if err != nil {
			return rep, err
		}
		v.h.Write(b)
		v.pos++
		rep.Sectors++
		d := iso9660.Descriptor(b)
		if !d.IsISO() && i == 0 && udf.VRSIdent(b) != "" {
			// A UDF-only session records no checksums: its tree is read
			// (every descriptor's checksum and CRC checked) and, at
			// VerifyFull, every sector and file.
			if s, err := readUDFSession(r, sectors, start, ErrNotISO); err == nil {
				return rep, v.unverifiable(s, level)
			} else if !errors.Is(err, ErrNotISO) {
				return rep, err
			}
		}
		if !d.IsISO() && i > 0 {
			return rep, fmt.Errorf("master: verify session at LBA %d: volume descriptor at LBA %d: set not terminated: %w", start, v.pos-1, ErrCorrupt)
		}
		if !d.IsISO() {
			return rep, fmt.Errorf("master: verify session at LBA %d: volume descriptor at LBA %d: %w", start, v.pos-1, ErrNotISO)
		}
		if d.Type() == iso9660.TypeTerminator {
			break
		}
	}
	// A UDF bridge's volume recognition sequence lies between the
	// terminator and the superblock tag.
	for i := rVRSLen(r, sectors, v.pos); i > 0; i-- {
		b, err := v.sector()
		if err != nil {
			return rep, err
		}
		v.h.Write(b)
		v.pos++
		rep.Sectors++
	}
	s, serr := readSession(r, sectors, start, true)
	if serr != nil && !errors.Is(serr, ErrCorrupt) {
		return rep, serr
	}
	if b, err := v.sector(); err != nil {
		return rep, err
	} else if t, perr := ParseTag(b); errors.Is(perr, ErrNoTag) {
		if serr != nil {
			return rep, serr
		}
		return rep, v.unverifiable(s, level)
	} else if perr == nil && t.Type == TagRelocated {
		rep.Checksummed = true
		return rep, v.relocated(t, b, level)
	}
	if serr != nil {
		// A damaged tree: the tags say where.
		v.problem("directory tree", start, start, serr.Error())
	}
	rep.Checksummed = true
	sb, ok, err := v.tag(TagSuperblock, start)
	if err != nil || !ok {
		return rep, v.finish(s, level, err)
	}
	if sb.Next <= v.pos || int64(sb.Next) >= sectors {
		v.problem("superblock tag", sb.Pos, sb.Pos, nextOutside(sb.Next, sectors))
		return rep, v.finish(s, level, nil)
	}
	if err := v.to(sb.Next); err != nil {
		return rep, err
	}
	tree, ok, err := v.tag(TagTree, start)
	if err != nil || !ok || level < VerifySession {
		return rep, v.finish(s, level, err)
	}
	if tree.Next <= v.pos || int64(tree.Next) >= sectors {
		v.problem("tree tag", tree.Pos, tree.Pos, nextOutside(tree.Next, sectors))
		return rep, v.finish(s, level, nil)
	}
	if level >= VerifyFull && s != nil {
		v.collect(s.Root, "/")
		v.plan(v.pos, tree.Next)
	}
	var ca *ChecksumArea
	if s != nil {
		ca = s.Checksums
	}
	if ca != nil && ca.Valid && ca.Start == start && ca.End >= v.pos && ca.End < tree.Next {
		if err := v.to(ca.End); err != nil {
			return rep, err
		}
		if sum := [16]byte(v.h.Sum(nil)); sum != ca.SessionMD5 {
			v.problem("checksum array session entry", start, ca.End-1, fmt.Sprintf("MD5 %x, the array records %x", sum, ca.SessionMD5))
		}
	}
	if err := v.to(tree.Next); err != nil {
		return rep, err
	}
	if _, _, err := v.tag(TagSession, start); err != nil {
		return rep, err
	}
	return rep, v.finish(s, level, nil)
}

// nextOutside says why a tag's next tag at LBA next cannot be checked on
// a medium of sectors sectors.
func nextOutside(next uint32, sectors int64) string {
	if int64(next) >= sectors {
		return fmt.Sprintf("next tag at LBA %d lies past the medium end (%d sectors): the medium is truncated", next, sectors)
	}
	return fmt.Sprintf("next tag at LBA %d is outside the session", next)
}

// newVReader returns a vReader at start whose stages run until close.
func newVReader(r io.ReaderAt, sectors int64, start uint32, rep *VerifyReport) *vReader {
	// A medium smaller than a chunk needs no bigger buffers (a fresh
	// buffer costs more than hashing a small session).
	size := int(min(vChunkSize, max(sectors, 1)*tree.SectorSize))
	v := &vReader{r: r, sectors: sectors, pos: start, rep: rep, chunkSize: size,
		pool: make(chan []byte, vChunks), sessQ: make(chan *vChunk, vChunks)}
	v.joint = verifyJoint()
	if v.joint {
		v.h = md5pair.New()
	} else {
		v.h = md5.New()
		v.fileQ = make(chan *vChunk, vChunks)
		v.stages.Add(1)
		go v.fileStage()
	}
	v.stages.Add(1)
	go v.sessionStage()
	return v
}

// VerifySuperblock checks LBA 0-31 of a grown medium (an image file, an
// overwritable disc) whose sessions lie from LBA 32 on: every reader
// starts from the primary volume descriptor at LBA 16, which must be the
// copy of the descriptors of the newest session, at LBA newest. It
// checks that LBA 16 holds a primary volume descriptor with the newest
// session's root directory and logical block size and, as its Volume
// Space Size, the newest session's end; that the relocated superblock
// tag, where the newest session records tags, sits where the session's
// own superblock tag sits, names that session and matches the sectors
// it covers; and, when the newest session is a UDF bridge, the copy of
// its UDF descriptors at LBA 24 (grownUDF). The
// report's problems are what differs, the error wraps ErrMismatch when
// there is any; the newest session itself is verified by Verify.
func VerifySuperblock(r io.ReaderAt, sectors int64, newest uint32) (*VerifyReport, error) {
	rep := &VerifyReport{Start: 0}
	v := newVReader(r, sectors, 0, rep)
	defer v.close()
	want, ok := rReadPVD(r, sectors, newest+iso9660.DescriptorStart)
	if !ok {
		return rep, fmt.Errorf("master: verify superblock: no primary volume descriptor in the newest session at LBA %d: %w", newest, ErrCorrupt)
	}
	const at = iso9660.DescriptorStart
	have, ok := rReadPVD(r, sectors, at)
	switch {
	case !ok:
		v.problem("primary volume descriptor", at, at, "not an ISO 9660 primary volume descriptor: readers, which start here, find no volume")
	default:
		if have.root.Extent() != want.root.Extent() || have.root.DataLength() != want.root.DataLength() {
			v.problem("primary volume descriptor", at, at, fmt.Sprintf("root directory at LBA %d of %d bytes, the newest session's (at LBA %d) is at LBA %d of %d bytes",
				have.root.Extent(), have.root.DataLength(), newest, want.root.Extent(), want.root.DataLength()))
		}
		if have.blockSize != tree.SectorSize {
			v.problem("primary volume descriptor", at, at, fmt.Sprintf("logical block size %d, want %d", have.blockSize, tree.SectorSize))
		}
		if end := uint64(newest) + uint64(want.size); uint64(have.size) != end {
			v.problem("primary volume descriptor", at, at, fmt.Sprintf("Volume Space Size %d, the newest session (at LBA %d) ends at %d", have.size, newest, end))
		}
	}
	if pos, ok := sessionTagPos(r, sectors, newest); ok && int64(newest)+int64(pos) < sectors {
		b, err := rReadSectors(r, sectors, newest+pos, 1, "superblock tag")
		if err != nil {
			return rep, err
		}
		if st, err := ParseTag(b); err == nil && st.Type == TagSuperblock {
			// The newest session records tags: the copy has one too, at
			// the same place from its start.
			if err := v.to(pos); err != nil {
				return rep, err
			}
			b, err := v.sector()
			if err != nil {
				return rep, err
			}
			t, perr := ParseTag(b)
			switch {
			case perr != nil:
				v.problem(TagRelocated.String(), pos, pos, perr.Error())
			case t.Type != TagRelocated:
				v.problem(TagRelocated.String(), pos, pos, fmt.Sprintf("found a %s instead", t.Type))
			default:
				if t.SessionStart != newest {
					v.problem(TagRelocated.String(), pos, pos, fmt.Sprintf("names the session at LBA %d, the newest session is at LBA %d", t.SessionStart, newest))
				}
				if sum := [16]byte(v.h.Sum(nil)); t.Pos != pos || t.RangeStart != 0 || t.RangeSize != pos {
					v.problem(TagRelocated.String(), pos, pos, fmt.Sprintf("tag says pos=%d range_start=%d range_size=%d, found at LBA %d", t.Pos, t.RangeStart, t.RangeSize, pos))
				} else if rep.Tags = append(rep.Tags, t); t.MD5 != sum {
					v.problem(TagRelocated.String()+" range", 0, pos-1, fmt.Sprintf("MD5 %x, the tag records %x", sum, t.MD5))
				}
			}
			rep.Checksummed = true
		}
	}
	if _, err := rOpenUDF(r, sectors, newest); err == nil {
		// A newest session without UDF may come from another writer
		// (xorriso), which leaves the copy of the UDF descriptors as
		// it found it: only the copy of a UDF session is checked.
		v.grownUDF(newest)
	}
	return rep, v.finish(nil, VerifyQuick, nil)
}

// sessionTagPos returns where the superblock tag of the session at start
// lies, counted from start: past its volume descriptor set and the
// volume recognition sequence of a UDF bridge.
func sessionTagPos(r io.ReaderAt, sectors int64, start uint32) (uint32, bool) {
	for i := uint32(0); i < rMaxDescriptors; i++ {
		lba := start + iso9660.DescriptorStart + i
		b, err := rReadSectors(r, sectors, lba, 1, "volume descriptor")
		if err != nil {
			return 0, false
		}
		d := iso9660.Descriptor(b)
		if !d.IsISO() {
			return 0, false
		}
		if d.Type() == iso9660.TypeTerminator {
			lba++
			return lba + rVRSLen(r, sectors, lba) - start, true
		}
	}
	return 0, false
}

// relocated checks the copy of a session's volume descriptors that a
// grown medium keeps at LBA 0-31, followed by a relocated superblock tag
// t (sector b): the tag must cover the copy from the session start up to
// itself, as xorriso -check_media checks it. The session the copy belongs
// to (the tag's session_start) is then verified where it lies.
func (v *vReader) relocated(t Tag, b []byte, level VerifyLevel) error {
	pos, start := v.pos, v.rep.Start
	sum := [16]byte(v.h.Sum(nil))
	v.h.Write(b)
	v.pos++
	v.rep.Sectors++
	if t.Pos != pos || t.RangeStart != start || t.RangeSize != pos-start {
		v.problem(TagRelocated.String(), pos, pos, fmt.Sprintf("tag says pos=%d range_start=%d range_size=%d, found at LBA %d in the session at LBA %d", t.Pos, t.RangeStart, t.RangeSize, pos, start))
		return v.finish(nil, level, nil)
	}
	v.rep.Tags = append(v.rep.Tags, t)
	if t.MD5 != sum {
		v.problem(TagRelocated.String()+" range", start, pos-1, fmt.Sprintf("MD5 %x, the tag records %x", sum, t.MD5))
	}
	v.grownUDF(t.SessionStart)
	v.plainUDF(t.SessionStart)
	if t.SessionStart > start && int64(t.SessionStart)+iso9660.DescriptorStart >= v.sectors {
		v.problem(TagRelocated.String(), pos, pos, fmt.Sprintf("names the session at LBA %d, past the medium end (%d sectors): the medium is truncated", t.SessionStart, v.sectors))
	}
	if t.SessionStart > start && int64(t.SessionStart)+iso9660.DescriptorStart < v.sectors {
		sub, err := Verify(v.r, v.sectors, t.SessionStart, level)
		if sub != nil {
			v.rep.Tags = append(v.rep.Tags, sub.Tags...)
			v.rep.Problems = append(v.rep.Problems, sub.Problems...)
			v.rep.Sectors += sub.Sectors
			v.rep.Files += sub.Files
			v.rep.Unchecked += sub.Unchecked
		}
		if err != nil && !errors.Is(err, ErrMismatch) {
			return err
		}
	}
	return v.finish(nil, level, nil)
}

// grownUDF checks the UDF side of a grown medium's superblock, which no
// tag covers: when sector 256 holds the anchor of grown media, sectors
// 24 on must hold the copy of the volume descriptor sequence of the
// session the superblock names (see doc.go, "UDF across sessions").
func (v *vReader) grownUDF(session uint32) {
	if _, ok := udf.GrownReserve(v.r); !ok {
		return
	}
	want, err := udf.GrownCopy(v.r, session)
	if errors.Is(err, udf.ErrNoVolume) {
		want = nil // a session without UDF: the copy is left out
	} else if err != nil {
		v.problem("UDF descriptor copy", udf.GrownVDS, udf.GrownVDS, err.Error())
		return
	}
	have := make([]byte, udf.GrownVDSSectors*tree.SectorSize)
	if _, err := v.r.ReadAt(have, udf.GrownVDS*tree.SectorSize); err != nil && !errors.Is(err, io.EOF) {
		v.problem("UDF descriptor copy", udf.GrownVDS, udf.GrownVDS, err.Error())
		return
	}
	if !bytes.Equal(have[:len(want)], want) || !allZeroBytes(have[len(want):]) {
		v.problem("UDF descriptor copy", udf.GrownVDS, udf.GrownVDS+udf.GrownVDSSectors-1,
			fmt.Sprintf("not the volume descriptors of the session at LBA %d", session))
	}
}

// plainUDF checks the UDF side of a plain medium's superblock (its
// first session at LBA 0, written by another program; see
// udf.PlainAnchor), which no tag covers either: when sector 256 holds an
// anchor, it must point at the volume descriptors of the session the
// superblock names, or UDF readers, which start there, see an older tree
// than ISO 9660 readers.
func (v *vReader) plainUDF(session uint32) {
	if ss, err := ListSessions(v.r, v.sectors); err != nil || len(ss) == 0 || ss[0].Start != 0 {
		return
	}
	want, ok, err := udf.PlainAnchor(v.r, session)
	if err != nil {
		v.problem("UDF anchor", udf.GrownAnchor, udf.GrownAnchor, err.Error())
		return
	}
	if !ok {
		return
	}
	have := make([]byte, tree.SectorSize)
	if _, err := v.r.ReadAt(have, udf.GrownAnchor*tree.SectorSize); err != nil && !errors.Is(err, io.EOF) {
		v.problem("UDF anchor", udf.GrownAnchor, udf.GrownAnchor, err.Error())
		return
	}
	if !bytes.Equal(have, want) {
		v.problem("UDF anchor", udf.GrownAnchor, udf.GrownAnchor,
			fmt.Sprintf("does not point at the volume descriptors of the session at LBA %d: UDF readers see another tree than ISO 9660 readers", session))
	}
}

func allZeroBytes(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// unverifiable handles a session without tags: at VerifyFull its files
// are read through all the same (and checked if they have MD5s).
func (v *vReader) unverifiable(s *Session, level VerifyLevel) error {
	if level >= VerifyFull {
		// Every sector of the session: its descriptor holds its size,
		// or its absolute end (write-once media).
		end := int64(s.Start) + int64(s.Size)
		if end > v.sectors {
			end = int64(s.Size)
		}
		if end > int64(v.pos) && end <= v.sectors {
			if err := v.to(uint32(end)); err != nil {
				return err
			}
		}
	}
	if err := v.finish(s, level, nil); err != nil {
		return err
	}
	return fmt.Errorf("master: verify session at LBA %d: %w", v.rep.Start, ErrUnverifiable)
}

// finish compares a bridge session's UDF tree with its Rock Ridge tree
// (verify_udf.go), checks the files at VerifyFull and turns the problems
// into the error Verify returns.
func (v *vReader) finish(s *Session, level VerifyLevel, err error) error {
	if err != nil {
		return err
	}
	v.checkUDF(s)
	if level >= VerifyFull && s != nil {
		if v.files == nil {
			v.collect(s.Root, "/")
		}
		// Files read separately are read in medium order: a drive
		// seeks less.
		slices.SortStableFunc(v.files, func(a, b *vFile) int { return cmp.Compare(a.first, b.first) })
		for _, f := range v.files {
			if err := v.check(f); err != nil {
				return err
			}
		}
	}
	if n := len(v.rep.Problems); n > 0 {
		// The message names the problems about files first: they say
		// what a reader of the disc gets wrong.
		shown := slices.Clone(v.rep.Problems)
		slices.SortStableFunc(shown, func(a, b Problem) int { return rankProblem(a) - rankProblem(b) })
		var msgs []string
		for _, p := range shown[:min(n, 3)] {
			msgs = append(msgs, p.String())
		}
		more := ""
		if n > 3 {
			more = fmt.Sprintf(" (and %d more)", n-3)
		}
		return fmt.Errorf("master: verify session at LBA %d: %s%s: %w", v.rep.Start, strings.Join(msgs, "; "), more, ErrMismatch)
	}
	return nil
}

// rankProblem orders problems for a message: those naming a file first.
func rankProblem(p Problem) int {
	if p.Path != "" {
		return 0
	}
	return 1
}

// collect lists the regular files below dir.
func (v *vReader) collect(dir *tree.Node, p string) {
	for _, c := range dir.Children {
		cp := path.Join(p, c.Name)
		switch {
		case c.IsDir():
			v.collect(c, cp)
		case c.IsRegular():
			f := &vFile{n: c, path: cp, ext: c.Extents}
			if c.Zisofs() {
				// Its MD5 is that of the bytes recorded, compressed.
				f.ext = tree.StoredExtents(c.Source.(tree.Sparse).Extents)
			}
			for i, e := range f.ext {
				if i == 0 {
					f.first = e.LBA
				}
				f.last = e.LBA + uint32(max(wSectorsOf(int64(e.Length)), 1)) - 1
			}
			v.files = append(v.files, f)
		}
	}
}

// plan picks the files whose extents all lie in sectors [from, to), in
// ascending order, to be hashed while those sectors are read in order:
// the session's own new files. The others are read separately.
func (v *vReader) plan(from, to uint32) {
	lo, hi := int64(from)*tree.SectorSize, int64(to)*tree.SectorSize
	for _, f := range v.files {
		ok, prev := len(f.ext) > 0, lo
		for _, e := range f.ext {
			s := int64(e.LBA) * tree.SectorSize
			if s < prev || s+int64(e.Length) > hi {
				ok = false
				break
			}
			prev = s + int64(e.Length)
		}
		if !ok {
			continue
		}
		f.h = newFileHash(v.joint)
		for _, e := range f.ext {
			s := int64(e.LBA) * tree.SectorSize
			if e.Length > 0 {
				v.spans = append(v.spans, vSpan{start: s, end: s + int64(e.Length), f: f})
			}
		}
	}
	slices.SortStableFunc(v.spans, func(a, b vSpan) int { return cmp.Compare(a.start, b.start) })
}

// check compares one file's MD5 with the recorded one, reading its data
// unless the sequential pass hashed it.
func (v *vReader) check(f *vFile) error {
	h := f.h
	if h == nil {
		if v.buf == nil {
			v.buf = make([]byte, 1<<20)
		}
		h = md5.New()
		for _, e := range f.ext {
			if int64(e.LBA)*tree.SectorSize+int64(e.Length) > v.sectors*tree.SectorSize {
				return fmt.Errorf("master: verify %q: extent at LBA %d of %d bytes is past the medium end: %w", f.path, e.LBA, e.Length, ErrCorrupt)
			}
			for off := int64(0); off < int64(e.Length); {
				k := min(int64(len(v.buf)), int64(e.Length)-off)
				if _, err := v.r.ReadAt(v.buf[:k], int64(e.LBA)*tree.SectorSize+off); err != nil {
					return fmt.Errorf("master: verify %q: read LBA %d: %w", f.path, e.LBA+uint32(off/tree.SectorSize), err)
				}
				h.Write(v.buf[:k])
				off += k
			}
		}
	}
	if !f.n.HasMD5 {
		v.rep.Unchecked++
		return nil
	}
	v.rep.Files++
	if sum := [16]byte(h.Sum(nil)); sum != f.n.MD5 {
		v.rep.Problems = append(v.rep.Problems, Problem{Path: f.path, What: "file data", First: f.first, Last: f.last,
			Detail: fmt.Sprintf("MD5 %x, the checksum array records %x", sum, f.n.MD5)})
	}
	return nil
}
