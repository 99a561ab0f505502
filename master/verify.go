package master

import (
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"
)

// VerifyLevel says how much of a session Verify reads.
type VerifyLevel int

const (
	// VerifyQuick checks the superblock and tree tags (their own MD5,
	// position and range, and the MD5 of the sectors they cover: the
	// descriptors and the directory tree) and parses the tree.
	VerifyQuick VerifyLevel = iota + 1
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
		return fmt.Sprintf("%s: %s at %s: %s", p.Path, p.What, where, p.Detail)
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
	buf     []byte
	rep     *VerifyReport
}

// to hashes the sectors up to (not including) lba.
func (v *vReader) to(lba uint32) error {
	if int64(lba) > v.sectors {
		return fmt.Errorf("master: verify: LBA %d is past the medium end (%d sectors): %w", lba-1, v.sectors, ErrCorrupt)
	}
	for v.pos < lba {
		n := min(int64(lba-v.pos), int64(len(v.buf)/SectorSize))
		b := v.buf[:n*SectorSize]
		if _, err := v.r.ReadAt(b, int64(v.pos)*SectorSize); err != nil {
			return fmt.Errorf("master: verify: read LBA %d-%d: %w", v.pos, v.pos+uint32(n)-1, err)
		}
		v.h.Write(b)
		v.pos += uint32(n)
		v.rep.Sectors += n
	}
	return nil
}

// sector reads and hashes the sector at v.pos and returns it.
func (v *vReader) sector() ([]byte, error) {
	b := make([]byte, SectorSize)
	if int64(v.pos) >= v.sectors {
		return nil, fmt.Errorf("master: verify: LBA %d is past the medium end (%d sectors): %w", v.pos, v.sectors, ErrCorrupt)
	}
	if _, err := v.r.ReadAt(b, int64(v.pos)*SectorSize); err != nil {
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
//     checksum tags, after reading it (at VerifyFull every file);
//   - another error when the session cannot be read or parsed.
func Verify(r io.ReaderAt, sectors int64, start uint32, level VerifyLevel) (*VerifyReport, error) {
	rep := &VerifyReport{Start: start}
	v := &vReader{r: r, sectors: sectors, pos: start, h: md5.New(), buf: make([]byte, 1<<20), rep: rep}
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
		if string(b[1:6]) != "CD001" {
			return rep, fmt.Errorf("master: verify session at LBA %d: volume descriptor at LBA %d: %w", start, v.pos-1, ErrNotISO)
		}
		if b[0] == 255 {
			break
		}
	}
	s, serr := ReadSession(r, sectors, start)
	if serr != nil && !errors.Is(serr, ErrCorrupt) {
		return rep, serr
	}
	if b, err := v.sector(); err != nil {
		return rep, err
	} else if _, perr := ParseTag(b); errors.Is(perr, ErrNoTag) {
		if serr != nil {
			return rep, serr
		}
		return rep, v.unverifiable(s, level)
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
		v.problem("superblock tag", sb.Pos, sb.Pos, fmt.Sprintf("next tag at LBA %d is outside the session", sb.Next))
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
		v.problem("tree tag", tree.Pos, tree.Pos, fmt.Sprintf("next tag at LBA %d is outside the session", tree.Next))
		return rep, v.finish(s, level, nil)
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

// unverifiable handles a session without tags: at VerifyFull its files
// are read through all the same (and checked if they have MD5s).
func (v *vReader) unverifiable(s *Session, level VerifyLevel) error {
	if err := v.finish(s, level, nil); err != nil {
		return err
	}
	return fmt.Errorf("master: verify session at LBA %d: %w", v.rep.Start, ErrUnverifiable)
}

// finish checks the files at VerifyFull and turns the problems into the
// error Verify returns.
func (v *vReader) finish(s *Session, level VerifyLevel, err error) error {
	if err != nil {
		return err
	}
	if level >= VerifyFull && s != nil {
		if err := v.files(s.Root, "/"); err != nil {
			return err
		}
	}
	if n := len(v.rep.Problems); n > 0 {
		var msgs []string
		for _, p := range v.rep.Problems[:min(n, 3)] {
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

// files reads every regular file below dir and checks those with an MD5.
func (v *vReader) files(dir *Node, p string) error {
	for _, c := range dir.Children {
		cp := path.Join(p, c.Name)
		switch {
		case c.IsDir():
			if err := v.files(c, cp); err != nil {
				return err
			}
		case c.IsRegular():
			if err := v.file(c, cp); err != nil {
				return err
			}
		}
	}
	return nil
}

// file reads one file's extents and compares their MD5 with the recorded one.
func (v *vReader) file(n *Node, p string) error {
	h := md5.New()
	var first, last uint32
	for i, e := range n.Extents {
		if i == 0 {
			first = e.LBA
		}
		last = e.LBA + uint32(wSectorsOf(int64(e.Length))) - 1
		if e.Length == 0 {
			last = e.LBA
		}
		if int64(e.LBA)*SectorSize+int64(e.Length) > v.sectors*SectorSize {
			return fmt.Errorf("master: verify %q: extent at LBA %d of %d bytes is past the medium end: %w", p, e.LBA, e.Length, ErrCorrupt)
		}
		for off := int64(0); off < int64(e.Length); {
			k := min(int64(len(v.buf)), int64(e.Length)-off)
			if _, err := v.r.ReadAt(v.buf[:k], int64(e.LBA)*SectorSize+off); err != nil {
				return fmt.Errorf("master: verify %q: read LBA %d: %w", p, e.LBA+uint32(off/SectorSize), err)
			}
			h.Write(v.buf[:k])
			off += k
		}
	}
	if !n.HasMD5 {
		v.rep.Unchecked++
		return nil
	}
	v.rep.Files++
	if sum := [16]byte(h.Sum(nil)); sum != n.MD5 {
		v.rep.Problems = append(v.rep.Problems, Problem{Path: p, What: "file data", First: first, Last: last,
			Detail: fmt.Sprintf("MD5 %x, the checksum array records %x", sum, n.MD5)})
	}
	return nil
}
