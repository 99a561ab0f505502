package master

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// Errors of the writer. Callers test them with errors.Is; the returned
// errors wrap them with the operation and the path concerned.
var (
	// ErrSourceChanged reports that a file's Source failed to open or
	// yielded more or fewer bytes than the node's Size. A Source the
	// process may not read, or that fails with an I/O error, is reported
	// with that error instead (fs.ErrPermission, syscall.EIO), and an
	// earlier session's file the medium fails to give with
	// ErrMediumData.
	ErrSourceChanged = errors.New("master: source changed")
	// ErrMediumData reports that the data of an earlier session's file
	// that the session writes anew (a tree.Sparse Source: a file with
	// holes, or compressed) could not be read from the medium: it
	// failed, or holds the data damaged (tree.ErrZisofs). It wraps the
	// medium's error.
	ErrMediumData = errors.New("master: cannot read an earlier session's file from the medium")
	// ErrBadName reports a name that no hierarchy can hold: empty, with
	// '/' or NUL, "." or "..", longer than 255 bytes, or twice in one
	// directory.
	ErrBadName = errors.New("master: bad name")
	// ErrUnsupported reports a node the session cannot hold: a symbolic
	// link without Rock Ridge, a device, socket or pipe, a directory
	// tree too deep for plain ISO 9660, or an inconsistent file.
	ErrUnsupported = errors.New("master: unsupported node")
)

// Options control how Layout lays out a session.
type Options struct {
	// Progress, if set, is called as Layout goes through the tree: done
	// of total bytes of the files laid out, from 0 to total, which it
	// reports last, once the session is placed (write_progress.go).
	Progress func(done, total int64)
	// StartLBA is the absolute LBA at which the session begins (0 for a
	// plain image). Every LBA written into the session is absolute.
	StartLBA uint32
	// VolumeID is the volume identifier, d-characters, at most 32;
	// default "CDROM". Lower case is raised and other characters become
	// '_' in the primary descriptor; the Joliet descriptor keeps the
	// text as given (up to 16 characters).
	VolumeID string
	// Joliet adds a Joliet hierarchy (UCS-2 names) with its own
	// supplementary volume descriptor.
	Joliet bool
	// RockRidge adds Rock Ridge (RRIP 1.12) entries: POSIX names,
	// modes, owners, times and symbolic links.
	RockRidge bool
	// RelocateDeep moves directories deeper than 8 levels, or whose ISO
	// 9660 path would exceed 255 characters, into a relocation directory
	// "rr_moved" with Rock Ridge RE, CL and PL entries, as genisoimage
	// does. It needs RockRidge. The default keeps every directory in
	// place, as xorriso does: Linux, Windows, macOS, libarchive,
	// xorriso and isoinfo read such trees (see doc.go).
	RelocateDeep bool
	// Time is the fixed time used for the volume dates and for nodes
	// whose times are zero, for reproducible output; zero means
	// time.Now().
	Time time.Time
	// AbsoluteVolumeSpace writes StartLBA plus the session's size as
	// the Volume Space Size, as mkisofs -C does for write-once media.
	// The default writes the session's own size, as libisofs does on
	// grown images.
	AbsoluteVolumeSpace bool
	// MD5 records checksums in libisofs' format: superblock, tree and
	// session tags and, with RockRidge, an MD5 per regular file in a
	// checksum array (see doc/checksums.txt of libisofs and
	// checksum.go). New data is hashed as it streams; a file carried
	// over by Extents keeps Node.MD5 when HasMD5 is set, else its old
	// extents are read once from Medium; without Medium such a file gets
	// no checksum.
	MD5 bool
	// Medium gives read access to the earlier sessions, for the MD5 of
	// carried-over files that have none recorded.
	Medium io.ReaderAt
	// Boot makes the session bootable (El Torito, no emulation): the
	// first image is the initial/default entry of the boot catalog,
	// each further one has a section of its own. See BootImage.
	Boot []BootImage
	// KeepBootCatalog, when not 0 and Boot is empty, is the LBA of an
	// earlier session's El Torito boot catalog: the session's volume
	// descriptor set points at it again with a boot record, so that a
	// grown medium, whose superblock is rebuilt from the newest
	// session's descriptors, stays bootable (xorriso keeps boot images
	// so too). The catalog and the images it names stay where they are.
	KeepBootCatalog uint32
	// KeepBootNames, with KeepBootCatalog and Medium, names the file of
	// the earlier session that held the boot image at lba, which the
	// kept catalog loads, or returns "" when no file held it (an image
	// hidden from the tree). Layout asks it only for an image that no
	// file of the tree holds any more, and reports that file, replaced
	// or removed, as a Warning (HierarchyElTorito): the disc still
	// boots the image it held before.
	KeepBootNames func(lba uint32) string
	// UDF adds a UDF file system of this revision (udf.Rev102,
	// udf.Rev201, udf.Rev250) beside ISO 9660, Joliet and Rock Ridge:
	// a bridge whose UDF tree references the same file data (see
	// doc.go, "UDF bridge"). 0 writes none.
	UDF uint16
	// UDFGrown says the session goes to grown media (image files,
	// DVD+RW, BD-RE) whose first session starts at LBA 32: a session
	// that starts below sector 256 also records the anchor readers of
	// such media use at sector 256, pointing at the copy of the newest
	// session's volume descriptors that the writer keeps in the
	// superblock area (udf.GrownVDS). See doc.go, "UDF bridge".
	UDFGrown bool
	// UDFGrownReserve, on grown media whose sector 256 holds the anchor
	// a first session recorded (udf.GrownReserve), is the reserve
	// sequence that anchor names: the session's last sector then holds
	// an anchor equal to it, as readers that compare anchors want.
	UDFGrownReserve udf.ExtentAD
	// UDFEntries, UDFPartitionStart and UDFNextUniqueID carry the UDF
	// volume of the session before over (udf.Options.Entries,
	// PartitionStart, NextUniqueID): unchanged files keep their file
	// entries.
	UDFEntries        func(n *tree.Node, path udf.Path) (udf.EntryRef, bool)
	UDFPartitionStart *uint32
	UDFNextUniqueID   uint64
}

// Warning reports a name that was changed to fit a hierarchy, for
// example a Joliet name that was too long, or a file left out of a
// hierarchy that cannot hold it (a special file in Joliet). Nothing is
// dropped silently: each change the writer makes to a name that a
// reader will show is reported.
type Warning struct {
	Path      string `json:"path"`           // the path of the node in the tree, from the root
	Hierarchy string `json:"hierarchy"`      // the hierarchy whose name changed: "Joliet"
	Name      string `json:"name,omitempty"` // the name written in that hierarchy; empty when left out
	Reason    string `json:"reason"`         // why the name was changed
}

// String formats the warning for a person.
func (w Warning) String() string {
	p := tree.QuotePath(w.Path)
	if w.Name == "" {
		return fmt.Sprintf("%s: %s: %s", p, w.Hierarchy, w.Reason)
	}
	return fmt.Sprintf("%s: %s name %q: %s", p, w.Hierarchy, w.Name, w.Reason)
}

// Image is a session laid out by Layout: every LBA and size is fixed,
// no data has been read yet. WriteTo streams it.
type Image struct {
	opts Options

	start   uint32 // StartLBA
	sectors uint32 // total sectors of the session
	data    uint32 // sectors of new file data

	// structures are the parts of the session in the order they lie
	// on the medium, areas where each was placed (write_structure.go).
	structures []wStructure
	areas      []wArea

	iso *wTree // the ISO 9660 (+ Rock Ridge) hierarchy
	jol *wTree // the Joliet hierarchy, or nil

	files   []*wFile // files with new data, in data order
	dataLBA uint32   // first sector of file data

	warnings []Warning

	// With Options.MD5: the LBAs of the three tags and of the checksum
	// array, and the files with an MD5 index (index i+1 is sums[i]).
	sbTag, treeTag, sessTag uint32
	arrayLBA, arrayBlocks   uint32
	sums                    []*wFile
}

// Start returns the absolute LBA at which the session begins, the
// StartLBA of the options.
func (im *Image) Start() uint32 { return im.start }

// Sectors returns the exact size of the session in sectors. WriteTo
// writes exactly Sectors()*2048 bytes.
func (im *Image) Sectors() uint32 { return im.sectors }

// DataSectors returns the number of sectors of new file data (files with
// a Source) in the session.
func (im *Image) DataSectors() uint32 { return im.data }

// Warnings returns the names that were changed to fit a hierarchy, in a
// deterministic order.
func (im *Image) Warnings() []Warning { return im.warnings }
