package master

import (
	"fmt"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// A wStructure is one part of a session on the medium, as libisofs'
// IsoImageWriter is one part of an image: the system area, the volume
// descriptor set, a hierarchy (ISO 9660 with Rock Ridge, Joliet), the
// file data, the checksum tags and array. A session is the ordered list
// of its structures (Image.structures); Layout and WriteTo only walk that
// list, so adding a format is adding a structure (see doc.go, "Structure
// writers").
//
// Each structure takes part in three steps, always in list order:
//
//  1. reserve: Layout asks it to take its blocks from the placer; it
//     fixes the LBA of everything it will write. A structure may
//     take several runs of blocks, and may skip ahead to a fixed block
//     (the placer's skipTo); blocks skipped before its first block are
//     written as zeros by WriteTo, blocks it skips later by itself.
//  2. writeDescriptors: the volume descriptor set asks it for the
//     descriptors it declared (descriptors), each one sector, written
//     at S+16 in list order before the terminator.
//  3. writeData: WriteTo asks it to write exactly the blocks it
//     reserved, in order. WriteTo checks that each structure starts
//     where it was placed and that the session ends where Layout said.
type wStructure interface {
	// name names the structure in errors.
	name() string
	// descriptors is how many volume descriptors it puts into the
	// volume descriptor set.
	descriptors() int
	// reserve takes the structure's blocks from p.
	reserve(p *wPlacer) error
	// writeDescriptors writes its volume descriptors, one sector each.
	writeDescriptors(s *wStream) error
	// writeData writes the blocks reserve took.
	writeData(s *wStream) error
}

// wArea is where a structure was placed: its first block and how many
// blocks from there it took, gaps it skipped after its first block
// included.
type wArea struct {
	first, blocks uint32
}

// wPlacer hands out the blocks of a session in list order.
type wPlacer struct {
	im    *Image
	next  uint64 // the next free LBA (absolute)
	first int64  // the first block the current structure took, or -1
}

// take reserves n consecutive blocks and returns the first.
func (p *wPlacer) take(n uint64) (uint32, error) {
	first := p.next
	if p.first < 0 {
		p.first = int64(first)
	}
	p.next += n
	if p.next > 0xFFFFFFFF {
		return 0, fmt.Errorf("master: lay out session: session ends beyond LBA 2^32: %w", ErrUnsupported)
	}
	return uint32(first), nil
}

// skipTo leaves the blocks up to the absolute LBA lba unused (WriteTo
// writes them as zeros), so that the next block taken is lba: for
// structures at fixed places, as UDF's anchor at S+256. It fails when
// lba was already handed out.
func (p *wPlacer) skipTo(lba uint32) error {
	if uint64(lba) < p.next {
		return fmt.Errorf("master: lay out session: block %d wanted at a fixed place is already taken (next free %d): %w", lba, p.next, ErrUnsupported)
	}
	p.next = uint64(lba)
	return nil
}

// place reserves the blocks of every structure in list order.
func (im *Image) place() error {
	p := &wPlacer{im: im, next: uint64(im.start)}
	im.areas = make([]wArea, len(im.structures))
	for i, st := range im.structures {
		p.first = -1
		if err := st.reserve(p); err != nil {
			return err
		}
		first := p.next // a structure that took nothing lies where the next begins
		if p.first >= 0 {
			first = uint64(p.first)
		}
		im.areas[i] = wArea{first: uint32(first), blocks: uint32(p.next - first)}
	}
	im.sectors = uint32(p.next - uint64(im.start))
	return nil
}

// wNoDescriptors is embedded by structures without volume descriptors.
type wNoDescriptors struct{}

func (wNoDescriptors) descriptors() int                { return 0 }
func (wNoDescriptors) writeDescriptors(*wStream) error { return nil }

// wSystemArea is sectors 0-15 of the session, before the volume
// descriptors: zeros.
type wSystemArea struct{ wNoDescriptors }

func (*wSystemArea) name() string { return "system area" }

func (*wSystemArea) reserve(p *wPlacer) error {
	_, err := p.take(iso9660.SystemAreaSectors)
	return err
}

func (*wSystemArea) writeData(s *wStream) error {
	return s.zeros(iso9660.SystemAreaSectors * tree.SectorSize)
}

// wDescriptorSet is the volume descriptor set at S+16: the descriptors
// of every structure in list order, then the terminator.
type wDescriptorSet struct {
	wNoDescriptors
	im *Image
}

func (*wDescriptorSet) name() string { return "volume descriptor set" }

func (d *wDescriptorSet) reserve(p *wPlacer) error {
	n := 1 // the terminator
	for _, st := range d.im.structures {
		n += st.descriptors()
	}
	if p.next != uint64(d.im.start)+iso9660.DescriptorStart {
		return fmt.Errorf("master: lay out session: volume descriptors at LBA %d, not at the session's start + 16", p.next)
	}
	_, err := p.take(uint64(n))
	return err
}

func (d *wDescriptorSet) writeData(s *wStream) error {
	for _, st := range d.im.structures {
		before := s.pos()
		if err := st.writeDescriptors(s); err != nil {
			return err
		}
		if got, want := s.pos()-before, int64(st.descriptors())*tree.SectorSize; got != want {
			return fmt.Errorf("master: write %s: %d bytes of volume descriptors, declared %d", st.name(), got, want)
		}
	}
	var term iso9660.VolumeDescriptor
	term.SetHeader(iso9660.TypeTerminator)
	return s.write(term[:])
}

// wHierarchy is one hierarchy, ISO 9660 (with Rock Ridge) or Joliet: its
// volume descriptor (primary or supplementary), its type L and type M
// path tables, and its directories, each followed by its continuation
// sectors.
type wHierarchy struct {
	im *Image
	t  *wTree
}

func (h *wHierarchy) name() string {
	if h.t.joliet {
		return "Joliet hierarchy"
	}
	return "ISO 9660 hierarchy"
}

func (*wHierarchy) descriptors() int { return 1 }

func (h *wHierarchy) reserve(p *wPlacer) error {
	t := h.t
	t.sizeDirs()
	t.sizePathTable()
	lba, err := p.take(2 * uint64(t.ptSectors))
	if err != nil {
		return err
	}
	t.ptL, t.ptM = lba, lba+t.ptSectors
	for _, d := range t.layoutOrder() {
		if d.lba, err = p.take(uint64(d.size/tree.SectorSize) + uint64(d.ceBlocks)); err != nil {
			return err
		}
	}
	return nil
}

func (h *wHierarchy) writeDescriptors(s *wStream) error {
	return s.write(h.im.descriptor(h.t))
}

func (h *wHierarchy) writeData(s *wStream) error {
	for _, big := range []bool{false, true} {
		if err := s.write(h.t.pathTable(big)); err != nil {
			return err
		}
	}
	for _, d := range h.t.layoutOrder() {
		var err error
		if s.dirBuf, err = h.im.appendDir(s.dirBuf[:0], d); err != nil {
			return err
		}
		if err := s.write(s.dirBuf); err != nil {
			return err
		}
		if err := s.writeCE(d); err != nil {
			return err
		}
	}
	return nil
}

// wFileData is the data of the session's new files, one after another,
// each padded to a whole sector, in the order of the ISO 9660
// directories.
type wFileData struct {
	wNoDescriptors
	im *Image
}

func (*wFileData) name() string { return "file data" }

func (w *wFileData) reserve(p *wPlacer) error {
	im := w.im
	im.dataLBA = uint32(p.next)
	for _, d := range im.iso.dirs {
		for _, e := range d.ents {
			f := e.file
			if f == nil || f.src != e.src || f.src.n.Source == nil || !f.src.n.IsRegular() {
				// Names of a hard-linked file other than its leading
				// one share its data.
				continue
			}
			// check refused sizes past wMaxFileSize: the counts fit.
			size := f.src.n.Size
			sectors := wSectorsOf(size)
			f.sectors = uint32(sectors)
			lba := p.next
			f.rel = uint32(lba - uint64(im.dataLBA))
			for off := int64(0); off < size; off += wMaxExtent {
				n := min(size-off, wMaxExtent)
				f.extents = append(f.extents, tree.Extent{LBA: uint32(lba + uint64(off/tree.SectorSize)), Length: uint32(n)})
			}
			if _, err := p.take(uint64(sectors)); err != nil {
				return fmt.Errorf("master: lay out %q: session ends beyond LBA 2^32: %w", f.src.pathName(), ErrUnsupported)
			}
			im.files = append(im.files, f)
		}
	}
	im.data = uint32(p.next - uint64(im.dataLBA))
	return nil
}

func (w *wFileData) writeData(s *wStream) error {
	for _, f := range w.im.files {
		if err := s.copyFile(f); err != nil {
			return err
		}
	}
	return nil
}

// wTagStructure is one libisofs checksum tag (Options.MD5): the
// superblock tag right after the volume descriptor set, the tree tag
// after the hierarchies. Its MD5 covers the session up to the tag.
type wTagStructure struct {
	wNoDescriptors
	im  *Image
	typ TagType
}

func (t *wTagStructure) name() string { return t.typ.String() }

func (t *wTagStructure) reserve(p *wPlacer) error {
	lba, err := p.take(1)
	switch t.typ {
	case TagSuperblock:
		t.im.sbTag = lba
	case TagTree:
		t.im.treeTag = lba
	}
	return err
}

func (t *wTagStructure) writeData(s *wStream) error {
	im := t.im
	if t.typ == TagSuperblock {
		return s.tag(TagSuperblock, im.sbTag, im.treeTag)
	}
	return s.tag(TagTree, im.treeTag, im.sessTag)
}

// wChecksums is the checksum array and the session tag that ends a
// session with Options.MD5.
type wChecksums struct {
	wNoDescriptors
	im *Image
}

func (*wChecksums) name() string { return "checksum array" }

func (c *wChecksums) reserve(p *wPlacer) error {
	im := c.im
	im.arrayBlocks = uint32(wSectorsOf(int64(len(im.sums)+2) * md5Size))
	var err error
	if im.arrayLBA, err = p.take(uint64(im.arrayBlocks)); err != nil {
		return err
	}
	im.sessTag, err = p.take(1)
	return err
}

func (c *wChecksums) writeData(s *wStream) error {
	if err := s.writeSums(); err != nil {
		return err
	}
	return s.tag(TagSession, c.im.sessTag, 0)
}

// structures lists the session's structures in the order they lie on
// the medium.
func (l *wLayout) structures() []wStructure {
	im := l.im
	list := []wStructure{&wSystemArea{}, &wDescriptorSet{im: im}}
	if l.udf != nil {
		list = append(list, &wUDFRecognition{u: l.udf})
	}
	if l.opts.MD5 {
		list = append(list, &wTagStructure{im: im, typ: TagSuperblock})
	}
	if l.udf != nil {
		list = append(list, &wUDFVolume{u: l.udf})
	}
	list = append(list, &wHierarchy{im: im, t: im.iso})
	if l.boot != nil {
		list = append(list, l.boot)
	}
	if im.jol != nil {
		list = append(list, &wHierarchy{im: im, t: im.jol})
	}
	if l.opts.MD5 {
		list = append(list, &wTagStructure{im: im, typ: TagTree})
	}
	list = append(list, &wFileData{im: im})
	if l.udf != nil && l.opts.MD5 {
		list = append(list, &wUDFEndAnchor{u: l.udf, afterData: true})
	}
	if l.opts.MD5 {
		list = append(list, &wChecksums{im: im})
	}
	if l.udf != nil {
		list = append(list, &wUDFEndAnchor{u: l.udf})
	}
	return list
}
