package master_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskfs/go-diskfs/backend/file"
	diskfs "github.com/diskfs/go-diskfs/filesystem/iso9660"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// bootTree is a small tree with a BIOS boot image and, with efi, an EFI
// system partition image.
func bootTree(t *testing.T, efi []byte) *tree.Node {
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	file := func(name string, b []byte) *tree.Node {
		return &tree.Node{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: when,
			Source: tree.ReaderAtSource{R: bytes.NewReader(b), Size: int64(len(b))}}
	}
	boot := &tree.Node{Name: "boot", Mode: fs.ModeDir | 0o755, ModTime: when, Children: []*tree.Node{file("bios.img", testtree.BootSector())}}
	if efi != nil {
		boot.Children = append(boot.Children, file("efi.img", efi))
	}
	return &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: when, Children: []*tree.Node{
		boot, file("README", []byte("a bootable session\n")),
	}}
}

// efiImage makes an EFI system partition image: a FAT file system of
// 1 MiB, made by mkfs.vfat.
func efiImage(t *testing.T) []byte {
	oracle.Need(t, "mkfs.vfat")
	p := filepath.Join(t.TempDir(), "efi.img")
	oracle.Run(t, "mkfs.vfat", "-C", "-n", "ESP", p, "1024")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bootOpts(boot ...master.BootImage) master.Options {
	o := fullOpts()
	o.MD5 = true
	o.Boot = boot
	return o
}

// TestElToritoOracles masters a session with a BIOS image (with a boot
// info table) and a UEFI image, like xorriso -as mkisofs -b boot/bios.img
// -no-emul-boot -boot-info-table -eltorito-alt-boot -e boot/efi.img
// -no-emul-boot, and checks it with xorriso, isoinfo and go-diskfs.
func TestElToritoOracles(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	efi := efiImage(t)
	img := filepath.Join(t.TempDir(), "boot.iso")
	writeSession(t, img, bootTree(t, efi), bootOpts(
		master.BootImage{Path: "boot/bios.img", Platform: master.BootBIOS, InfoTable: true},
		master.BootImage{Path: "/boot/efi.img", Platform: master.BootEFI},
	))
	lbas := isoinfoLBAs(t, img)
	bios, efiLBA := lbas["bios.img"], lbas["efi.img"]
	if bios == 0 || efiLBA == 0 {
		t.Fatalf("boot images not found by isoinfo: %v", lbas)
	}

	// xorriso: both entries, their platforms, load sizes and LBAs.
	rep := oracle.Run(t, "xorriso", "-indev", img, "-report_el_torito", "plain")
	for _, want := range []string{
		fmt.Sprintf(`El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+4\s+%d`, bios),
		fmt.Sprintf(`El Torito boot img :\s+2\s+UEFI\s+y\s+none\s+0x0000\s+0x00\s+%d\s+%d`, len(efi)/512, efiLBA),
		`El Torito img path :\s+1\s+/boot/bios.img`,
		`El Torito img path :\s+2\s+/boot/efi.img`,
		`El Torito img opts :\s+1\s+boot-info-table`,
	} {
		if !regexp.MustCompile(want).MatchString(rep) {
			t.Errorf("xorriso -report_el_torito plain lacks %q:\n%s", want, rep)
		}
	}

	// isoinfo: the boot record, the validation entry, the default entry.
	d := oracle.Run(t, "isoinfo", "-d", "-i", img)
	for _, want := range []string{
		`El Torito VD version 1 found, boot catalog is in sector \d+`,
		`Eltorito validation header:`,
		`Arch 0 \(x86\)`,
		`Bootid 88 \(bootable\)`,
		`Boot media 0 \(No Emulation Boot\)`,
		`Nsect 4`,
		fmt.Sprintf(`Bootoff %x %d`, bios, bios),
	} {
		if !regexp.MustCompile(want).MatchString(d) {
			t.Errorf("isoinfo -d lacks %q:\n%s", want, d)
		}
	}

	// go-diskfs reads the boot record among the volume descriptors and
	// rejects one whose boot system identifier is wrong.
	f, err := file.OpenFromPath(img, true)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := os.Stat(img)
	if _, err := diskfs.Read(f, st.Size(), 0, tree.SectorSize); err != nil {
		t.Errorf("go-diskfs iso9660.Read: %v", err)
	}

	// The boot info table, as the file reads back from the image.
	b := []byte(oracle.Run(t, "isoinfo", "-R", "-i", img, "-x", "/boot/bios.img"))
	want := testtree.BootSector()
	iso9660.PutBootInfoTable(want, 16, bios)
	if !bytes.Equal(b, want) {
		t.Errorf("boot image as written: % x..., want % x...", b[:24], want[:24])
	}
	if got := binary.LittleEndian.Uint32(b[8:]); got != 16 {
		t.Errorf("boot info table: primary volume descriptor at %d, want 16", got)
	}

	// Our own reader and verification still see an ordinary session:
	// the boot record is skipped, the MD5 of the patched image matches.
	m, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := master.Verify(m, st.Size()/tree.SectorSize, 0, master.VerifyFull); err != nil {
		t.Errorf("Verify: %v", err)
	}
	oracle.Run(t, "xorriso", "-md5", "on", "-indev", img, "-check_md5_r", "sorry", "/", "--")
}

// TestElToritoLayoutErrors: boot images that cannot be.
func TestElToritoLayoutErrors(t *testing.T) {
	for _, b := range []master.BootImage{
		{Path: "boot/none.img", Platform: master.BootBIOS},
		{Path: "boot", Platform: master.BootBIOS},
		{Path: "boot/bios.img", Platform: 7},
	} {
		if _, err := master.Layout(bootTree(t, nil), bootOpts(b)); !errors.Is(err, master.ErrUnsupported) {
			t.Errorf("%+v: %v, want ErrUnsupported", b, err)
		}
	}
}

// TestElToritoBootsInQEMU boots the session in QEMU's PC (SeaBIOS, TCG,
// no display) from the emulated CD-ROM and waits for the boot sector's
// message on the serial port. It asserts nothing about speed: the
// deadline only catches a machine that never boots.
func TestElToritoBootsInQEMU(t *testing.T) {
	img := filepath.Join(t.TempDir(), "boot.iso")
	writeSession(t, img, bootTree(t, nil), bootOpts(
		master.BootImage{Path: "boot/bios.img", Platform: master.BootBIOS, InfoTable: true},
	))
	oracle.BootCD(t, img, testtree.BootMessage)
}

// A later session keeps the first session's boot catalog
// (Options.KeepBootCatalog) whatever its tree holds, so that the disc
// stays bootable; a boot image that no file of the tree holds any more
// (its file replaced or removed) is reported as a Warning naming the
// file (KeepBootNames), since the disc still boots the image the file
// held before. A boot file kept, or renamed, is no warning, and neither
// is any without KeepBootNames.
func TestKeptBootImageReplacedWarns(t *testing.T) {
	img := filepath.Join(t.TempDir(), "boot.iso")
	first := writeSession(t, img, bootTree(t, bytes.Repeat([]byte("efi "), 2000)), bootOpts(
		master.BootImage{Path: "boot/bios.img", Platform: master.BootBIOS},
		master.BootImage{Path: "boot/efi.img", Platform: master.BootEFI},
	))
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	med := bytes.NewReader(b)
	sectors := int64(len(b)) / tree.SectorSize
	catalog := master.BootCatalog(med, sectors, 0)
	if catalog == 0 {
		t.Fatal("no boot catalog in the first session")
	}
	read := func() (*tree.Node, map[string]*tree.Node) {
		s, err := master.ReadSession(med, sectors, 0)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]*tree.Node{}
		for _, n := range s.Root.Children {
			byName[n.Name] = n
			for _, k := range n.Children {
				byName[n.Name+"/"+k.Name] = k
			}
		}
		return s.Root, byName
	}
	_, old := read()
	names := map[uint32]string{}
	var want []uint32
	for _, p := range []string{"boot/bios.img", "boot/efi.img"} {
		names[old[p].Extents[0].LBA] = "/" + p
		want = append(want, old[p].Extents[0].LBA)
	}
	if got := master.BootImages(med, catalog); !slices.Equal(got, want) {
		t.Fatalf("BootImages: %v, want %v (the boot files' first extents)", got, want)
	}

	replaced := []byte("another boot image")
	for _, tc := range []struct {
		name   string
		change func(root *tree.Node, byName map[string]*tree.Node)
		names  bool
		want   []string // paths warned of
	}{
		{"unchanged", func(*tree.Node, map[string]*tree.Node) {}, true, nil},
		{"renamed", func(_ *tree.Node, m map[string]*tree.Node) { m["boot/bios.img"].Name = "bios2.img" }, true, nil},
		{"replaced", func(_ *tree.Node, m map[string]*tree.Node) {
			n := m["boot/bios.img"]
			n.Extents, n.Size, n.Source = nil, int64(len(replaced)), tree.Bytes(replaced)
		}, true, []string{"/boot/bios.img"}},
		{"removed", func(_ *tree.Node, m map[string]*tree.Node) {
			m["boot"].Children = slices.DeleteFunc(m["boot"].Children, func(n *tree.Node) bool { return n.Name == "efi.img" })
		}, true, []string{"/boot/efi.img"}},
		{"both, not named", func(root *tree.Node, m map[string]*tree.Node) {
			root.Children = slices.DeleteFunc(root.Children, func(n *tree.Node) bool { return n.Name == "boot" })
		}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, byName := read()
			tc.change(root, byName)
			o := fullOpts()
			o.StartLBA = first.Sectors() + 16
			o.Medium, o.KeepBootCatalog = med, catalog
			if tc.names {
				o.KeepBootNames = func(lba uint32) string { return names[lba] }
			}
			im, err := master.Layout(root, o)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range im.Warnings() {
				if w.Hierarchy == master.HierarchyElTorito {
					got = append(got, w.Path)
					if !strings.Contains(w.Reason, "still boots the image this file held before") {
						t.Errorf("warning %v does not say what the disc boots", w)
					}
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("boot image warnings %v, want %v", got, tc.want)
			}
			var sess bytes.Buffer
			if _, err := im.WriteTo(&sess); err != nil {
				t.Fatal(err)
			}
			if c := master.BootCatalog(bytes.NewReader(sess.Bytes()), int64(sess.Len())/tree.SectorSize, 0); c != catalog {
				t.Errorf("the session's boot record points at %d, want the kept catalog at %d", c, catalog)
			}
		})
	}
}
