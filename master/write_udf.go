package master

import (
	"fmt"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// The UDF bridge (Options.UDF) takes three structures: the volume
// recognition sequence right after the ISO 9660 volume descriptor set
// terminator, where UDF readers (and pycdlib) look for it; the UDF
// volume, an anchor at the session start + 256 followed by the block of
// UDF structures the udf package plans (volume descriptor sequences,
// integrity descriptor, file set, directories, file entries); and a
// second anchor in the session's last sector. The UDF file entries
// reference the data extents the file data structure places for ISO
// 9660, so no byte is written twice.
type wUDF struct {
	im   *Image
	plan *udf.Plan
	// extents of the session's new files, by node, filled once the
	// file data is placed; names of one hard-linked file share them.
	extents map[*tree.Node][]tree.Extent
	byLink  map[uint64][]tree.Extent
}

// newUDF plans the UDF side of a session of root, reusing the entries
// Options.UDFEntries (given as entries) finds.
func (l *wLayout) newUDF(root *tree.Node, entries func(*tree.Node, udf.Path) (udf.EntryRef, bool)) (*wUDF, error) {
	if l.opts.UDF == 0 {
		return nil, nil
	}
	u := &wUDF{im: l.im}
	plan, err := udf.NewPlan(root, udf.Options{
		Revision:  l.opts.UDF,
		VolumeID:  l.opts.VolumeID,
		Time:      l.opts.Time,
		ExtentsOf: u.extentsOf,

		Entries:        entries,
		PartitionStart: l.opts.UDFPartitionStart,
		NextUniqueID:   l.opts.UDFNextUniqueID,
	})
	if err != nil {
		return nil, fmt.Errorf("master: lay out UDF: %w", err)
	}
	u.plan = plan
	return u, nil
}

// warn adds the names the UDF side shows differently to the session's
// warnings, after the other hierarchies'. A nil u has none.
func (u *wUDF) warn() {
	if u == nil {
		return
	}
	for _, w := range u.plan.Warnings() {
		u.im.warnings = append(u.im.warnings, Warning{Path: w.Path, Hierarchy: "UDF", Name: w.Name, Reason: w.Reason})
	}
}

// extentsOf gives the UDF writer where the file data structure placed a
// new file.
func (u *wUDF) extentsOf(n *tree.Node) []tree.Extent {
	if u.extents == nil {
		u.extents = map[*tree.Node][]tree.Extent{}
		u.byLink = map[uint64][]tree.Extent{}
		for _, f := range u.im.files {
			u.extents[f.src.n] = f.extents
			if f.src.n.Link != 0 {
				u.byLink[f.src.n.Link] = f.extents
			}
		}
	}
	if e, ok := u.extents[n]; ok {
		return e
	}
	if n.Link != 0 && n.Source != nil {
		return u.byLink[n.Link]
	}
	return nil
}

// wUDFRecognition is the volume recognition sequence.
type wUDFRecognition struct {
	wNoDescriptors
	u *wUDF
}

func (*wUDFRecognition) name() string { return "UDF volume recognition sequence" }

func (r *wUDFRecognition) reserve(p *wPlacer) error {
	_, err := p.take(3)
	return err
}

func (r *wUDFRecognition) writeData(s *wStream) error { return s.write(r.u.plan.VRS()) }

// wUDFVolume is the anchor at the session start + 256 and the block of
// UDF structures after it.
type wUDFVolume struct {
	wNoDescriptors
	u      *wUDF
	anchor uint32
	// grown is the sector of the grown media anchor (sector 256,
	// Options.UDFGrown) when this session records it, else 0.
	grown uint32
}

func (*wUDFVolume) name() string { return "UDF volume" }

func (v *wUDFVolume) reserve(p *wPlacer) error {
	start := v.u.im.start
	if v.u.im.opts.UDFGrown && start < udf.GrownAnchor {
		if err := p.skipTo(udf.GrownAnchor); err != nil {
			return err
		}
		var err error
		if v.grown, err = p.take(1); err != nil {
			return err
		}
	}
	if err := p.skipTo(start + 256); err != nil {
		return err
	}
	var err error
	if v.anchor, err = p.take(1); err != nil {
		return err
	}
	block, err := p.take(uint64(v.u.plan.Sectors()))
	v.u.plan.Place(block)
	return err
}

func (v *wUDFVolume) writeData(s *wStream) error {
	if v.grown != 0 {
		if err := s.write(v.u.plan.GrownAnchorSector()); err != nil {
			return err
		}
		if err := s.zeros(int64(v.anchor-v.grown-1) * tree.SectorSize); err != nil {
			return err
		}
	}
	if err := s.write(v.u.plan.Anchor(v.anchor)); err != nil {
		return err
	}
	if _, err := v.u.plan.WriteTo(wStreamWriter{s}); err != nil {
		return fmt.Errorf("master: write UDF volume: %w", err)
	}
	return nil
}

// wUDFEndAnchor is the anchor in the session's last sector. With
// checksums a second one (afterData) follows the file data, before the
// checksum array: 7-Zip looks for an end anchor right after the last
// sector the volume's files use and reports a headers error when it is
// not there, while pycdlib and Linux look in the volume's last sector.
type wUDFEndAnchor struct {
	wNoDescriptors
	u         *wUDF
	lba       uint32
	afterData bool
}

func (*wUDFEndAnchor) name() string { return "UDF end anchor" }

func (a *wUDFEndAnchor) reserve(p *wPlacer) error {
	// The last sector minus 256 is an anchor place too (ECMA-167
	// 3/8.4.2.1): the session's own anchor must not lie there when the
	// last sector's points elsewhere (grown media), or readers that
	// compare anchors refuse the volume.
	// That sector is skipped, not taken: the stream writes it as zeros
	// before the anchor (taking it made it the anchor's place, and
	// the session came out a sector short of its layout).
	if a.u.im.opts.UDFGrown && !a.afterData && p.next == uint64(a.u.im.start)+256+256 {
		if err := p.skipTo(a.u.im.start + 256 + 256 + 1); err != nil {
			return err
		}
	}
	var err error
	a.lba, err = p.take(1)
	return err
}

func (a *wUDFEndAnchor) writeData(s *wStream) error {
	o, p := a.u.im.opts, a.u.plan
	switch {
	case o.UDFGrown && o.StartLBA < udf.GrownAnchor:
		return s.write(p.GrownAnchorAt(p.ReserveVDS(), a.lba))
	case o.UDFGrown && o.UDFGrownReserve.Length != 0:
		return s.write(p.GrownAnchorAt(o.UDFGrownReserve, a.lba))
	}
	return s.write(p.Anchor(a.lba))
}

// wStreamWriter lets the udf package write through the session stream
// (so the session's MD5 covers the UDF structures).
type wStreamWriter struct{ s *wStream }

func (w wStreamWriter) Write(p []byte) (int, error) {
	if err := w.s.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}
