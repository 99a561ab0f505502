package master

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// BootPlatform is the firmware an El Torito boot image is for.
type BootPlatform byte

// Boot platforms.
const (
	// BootBIOS is a PC BIOS (platform ID 0): the image is loaded at
	// 0000:7C00 and run, as mkisofs -b ... -no-emul-boot.
	BootBIOS = BootPlatform(iso9660.PlatformBIOS)
	// BootEFI is UEFI (platform ID 0xEF): the image is an EFI system
	// partition (a FAT file system with EFI/BOOT/BOOTX64.EFI), as
	// mkisofs -e ... -no-emul-boot.
	BootEFI = BootPlatform(iso9660.PlatformEFI)
)

func (p BootPlatform) String() string {
	switch p {
	case BootBIOS:
		return "BIOS"
	case BootEFI:
		return "UEFI"
	}
	return fmt.Sprintf("platform %#02x", byte(p))
}

// BootImage is one no-emulation El Torito boot entry.
type BootImage struct {
	// Path is the boot image's path in the tree, from its root
	// ("boot/bios.img"), as mkisofs -b and -e name it. The file must be
	// a regular, non-empty file in one extent.
	Path string
	// Platform is BootBIOS or BootEFI.
	Platform BootPlatform
	// InfoTable patches a boot info table into bytes 8-63 of the image
	// as written, as mkisofs -boot-info-table does: the LBA of the
	// primary volume descriptor, the image's LBA and length, and the
	// checksum of its bytes from 64 on. The file must be new data (a
	// Source) of at least 64 bytes and at most 16 MiB; its MD5 is that
	// of the bytes as written.
	InfoTable bool
	// LoadSectors is how many 512-byte sectors the firmware loads;
	// 0 loads the whole image, rounded up to 2048 bytes (xorriso's
	// default), at most 65535 sectors.
	LoadSectors uint16
}

// wBootMax is how many boot images the catalog's one sector holds: the
// validation and default entries, then a header and an entry each.
const wBootMax = 1 + (tree.SectorSize-64)/64

// wBootInfoMax bounds a boot image patched with a boot info table, which
// is read into memory.
const wBootInfoMax = 16 << 20

// wBootCatalog is the El Torito structure: the boot record volume
// descriptor (after the primary one) and the boot catalog's sector, or
// only the boot record when it keeps an earlier session's catalog
// (Options.KeepBootCatalog). The
// catalog is not a file of the tree (xorriso hides it too unless asked
// with -c). The boot images are files of the tree, written with the
// file data.
type wBootCatalog struct {
	im      *Image
	images  []wBoot
	catalog uint32
}

// wBoot is one boot entry and the file that holds its image.
type wBoot struct {
	BootImage
	src *wSrc
}

// elTorito checks Options.Boot against the tree and returns the boot
// catalog structure, or nil.
func (l *wLayout) elTorito(root *wSrc) (*wBootCatalog, error) {
	if len(l.opts.Boot) == 0 {
		if l.opts.KeepBootCatalog != 0 {
			l.keptBootImages(root)
			return &wBootCatalog{im: l.im, catalog: l.opts.KeepBootCatalog}, nil
		}
		return nil, nil
	}
	if len(l.opts.Boot) > wBootMax {
		return nil, fmt.Errorf("master: lay out boot catalog: %d boot images, at most %d fit: %w", len(l.opts.Boot), wBootMax, ErrUnsupported)
	}
	c := &wBootCatalog{im: l.im}
	for _, b := range l.opts.Boot {
		fail := func(why string) error {
			return fmt.Errorf("master: lay out boot image %q (%v): %s: %w", b.Path, b.Platform, why, ErrUnsupported)
		}
		if b.Platform != BootBIOS && b.Platform != BootEFI {
			return nil, fail("platform is neither BIOS nor UEFI")
		}
		s := root
		for _, name := range strings.Split(strings.Trim(b.Path, "/"), "/") {
			if s = wSrcChild(s, name); s == nil {
				return nil, fail("no such file in the tree")
			}
		}
		n := s.attrs()
		switch {
		case !n.IsRegular():
			return nil, fail("not a regular file")
		case n.Size == 0:
			return nil, fail("empty")
		case n.Source == nil && len(n.Extents) != 1, n.Size > wMaxExtent:
			return nil, fail("not in one extent")
		case b.InfoTable && n.Source == nil:
			return nil, fail("a boot info table needs the image as new data")
		case b.InfoTable && (n.Size < iso9660.BootInfoEnd || n.Size > wBootInfoMax):
			return nil, fail(fmt.Sprintf("a boot info table needs an image of %d bytes to %d MiB", iso9660.BootInfoEnd, wBootInfoMax>>20))
		}
		if b.InfoTable {
			s.file.source = &wBootInfoSource{f: s.file, im: l.im}
		}
		if b.LoadSectors == 0 {
			b.LoadSectors = uint16(min(wSectorsOf(n.Size)*4, 0xFFFF))
		}
		c.images = append(c.images, wBoot{BootImage: b, src: s})
	}
	return c, nil
}

// HierarchyElTorito is the Hierarchy of a Warning about a boot image.
const HierarchyElTorito = "El Torito"

// keptBootImages warns of each boot image of the kept catalog
// (Options.KeepBootCatalog) that a file of the earlier session held and
// no file of the tree holds any more: the file was replaced or removed,
// and the disc still boots the image it held before. The catalog is
// kept all the same, so that the disc stays bootable (and its image
// stays where it is on the medium). Options.KeepBootNames names the
// file; without it, or a Medium to read the catalog from, there is
// nothing to tell.
func (l *wLayout) keptBootImages(root *wSrc) {
	if l.opts.Medium == nil || l.opts.KeepBootNames == nil {
		return
	}
	lbas := BootImages(l.opts.Medium, l.opts.KeepBootCatalog)
	if len(lbas) == 0 {
		return
	}
	held := map[uint32]bool{}
	for _, lba := range lbas {
		held[lba] = false
	}
	var walk func(s *wSrc)
	walk = func(s *wSrc) {
		n := s.attrs()
		if n.IsRegular() && n.Source == nil {
			if x, ok := tree.FirstData(n.Extents); ok {
				if _, boot := held[x.LBA]; boot {
					held[x.LBA] = true
				}
			}
		}
		for _, k := range s.kids {
			walk(k)
		}
	}
	walk(root)
	for _, lba := range lbas {
		if held[lba] {
			continue
		}
		held[lba] = true // one warning for an image two entries load
		if p := l.opts.KeepBootNames(lba); p != "" {
			l.im.warnings = append(l.im.warnings, Warning{Path: p, Hierarchy: HierarchyElTorito,
				Reason: "boot image replaced or removed: the disc still boots the image this file held before (the boot catalog is kept)"})
		}
	}
}

func (*wBootCatalog) name() string     { return "El Torito boot catalog" }
func (*wBootCatalog) descriptors() int { return 1 }

func (c *wBootCatalog) reserve(p *wPlacer) error {
	if len(c.images) == 0 { // an earlier session's catalog, kept
		return nil
	}
	var err error
	c.catalog, err = p.take(1)
	return err
}

func (c *wBootCatalog) writeDescriptors(s *wStream) error {
	var v iso9660.VolumeDescriptor
	v.SetBootRecord(c.catalog)
	return s.write(v[:])
}

// writeData writes the catalog: the validation entry for the first
// image's platform, the initial/default entry, then a section header and
// entry for each further image.
func (c *wBootCatalog) writeData(s *wStream) error {
	if len(c.images) == 0 {
		return nil
	}
	var sec [tree.SectorSize]byte
	iso9660.Entry(sec[0:]).SetValidation(byte(c.images[0].Platform))
	for i, b := range c.images {
		f := b.src.file
		lba := f.src.n.Extents
		if f.extents != nil {
			lba = f.extents
		}
		if i == 0 {
			iso9660.Entry(sec[32:]).SetBootEntry(b.LoadSectors, lba[0].LBA)
			continue
		}
		off := 64 * i // after the validation and default entries
		iso9660.Entry(sec[off:]).SetSectionHeader(i == len(c.images)-1, byte(b.Platform), 1)
		iso9660.Entry(sec[off+32:]).SetBootEntry(b.LoadSectors, lba[0].LBA)
	}
	return s.write(sec[:])
}

// wBootInfoSource yields a boot image with its boot info table patched
// in: its own LBA and the primary volume descriptor's are known once the
// session is laid out.
type wBootInfoSource struct {
	f  *wFile
	im *Image
}

func (b *wBootInfoSource) Open() (io.ReadCloser, error) {
	n := b.f.src.n
	r, err := n.Source.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, n.Size+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) == n.Size { // else the copy reports the change
		iso9660.PutBootInfoTable(data, b.im.start+iso9660.DescriptorStart, b.f.extents[0].LBA)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}
