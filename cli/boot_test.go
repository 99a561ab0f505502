package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
)

// bootSource makes a tree with boot/bios.img (testtree.BootSector) and
// boot/efi.img (a FAT image made by mkfs.vfat).
func bootSource(t *testing.T) string {
	t.Helper()
	oracle.Need(t, "mkfs.vfat")
	dir := filepath.Join(t.TempDir(), "src")
	testtree.File(t, dir, "boot/bios.img", testtree.BootSector())
	testtree.File(t, dir, "readme.txt", []byte("bootable\n"))
	oracle.Run(t, "mkfs.vfat", "-C", "-n", "ESP", filepath.Join(dir, "boot", "efi.img"), "1024")
	return dir
}

// elToritoReport checks xorriso's El Torito report of img: a BIOS entry
// and a UEFI entry, and with infoTable a boot info table that points at
// the newest session's primary volume descriptor.
func elToritoReport(t *testing.T, img string, infoTable bool) {
	t.Helper()
	rep := oracle.Run(t, "xorriso", "-indev", img, "-report_el_torito", "plain")
	wants := []string{
		`El Torito boot img :\s+1\s+BIOS\s+y\s+none`,
		`El Torito boot img :\s+2\s+UEFI\s+y\s+none`,
		`El Torito img path :\s+1\s+/boot/bios.img`,
		`El Torito img path :\s+2\s+/boot/efi.img`,
	}
	if infoTable {
		wants = append(wants, `El Torito img opts :\s+1\s+boot-info-table`)
	}
	for _, want := range wants {
		if !regexp.MustCompile(want).MatchString(rep) {
			t.Errorf("xorriso -report_el_torito plain lacks %q:\n%s", want, rep)
		}
	}
}

var bootArgs = []string{"--boot-bios", "boot/bios.img", "--boot-info-table", "--boot-efi", "boot/efi.img"}

func TestMasterBoot(t *testing.T) {
	oracle.Need(t, "xorriso")
	src := bootSource(t)
	img := filepath.Join(t.TempDir(), "boot.iso")
	mustRun(t, append(append([]string{"master", "-o", img}, bootArgs...), src)...)
	elToritoReport(t, img, true)
	oracle.BootCD(t, img, testtree.BootMessage)

	if out, code := run(t, "master", "-o", img, "--boot-bios", "boot/none.img", src); code == 0 || !strings.Contains(out, "boot/none.img") {
		t.Errorf("a boot image not in the tree: exit %d\n%s", code, out)
	}
	if out, code := run(t, "master", "-o", img, "--boot-info-table", src); code == 0 {
		t.Errorf("--boot-info-table without --boot-bios: exit 0\n%s", out)
	}
}

// TestAppendBoot: the first session appended to an image file is
// bootable (grown media: the boot record is copied into the superblock
// with the other descriptors); a later session may not carry a boot
// image.
func TestAppendBoot(t *testing.T) {
	oracle.Need(t, "xorriso")
	src := bootSource(t)
	img := filepath.Join(t.TempDir(), "grown.iso")
	mustRun(t, append(append([]string{"append", img}, bootArgs...), src+"/")...)
	elToritoReport(t, img, true)
	oracle.BootCD(t, img, testtree.BootMessage)

	more := filepath.Join(t.TempDir(), "more")
	testtree.File(t, more, "more.txt", []byte("more\n"))
	out, code := run(t, append(append([]string{"append", img}, bootArgs...), more)...)
	if code == 0 || !strings.Contains(out, "first session") {
		t.Errorf("boot images in a second session: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(img); err != nil {
		t.Fatal(err)
	}
	// The next session points at session 1's boot catalog again, so
	// the grown superblock, rebuilt from its descriptors, keeps the
	// boot record and the medium stays bootable. The boot info table
	// still names session 1's primary volume descriptor, which xorriso
	// then does not call a boot info table.
	mustRun(t, "append", img, more)
	elToritoReport(t, img, false)
	oracle.BootCD(t, img, testtree.BootMessage)
}

// A session over a bootable disc whose boot file was replaced or
// removed keeps the boot catalog, which still boots the image that file
// held before: append and a mount's commit warn so, naming the file,
// before writing (as xorriso notes it discards the old boot image); a
// session that keeps the boot files warns of nothing.
func TestReplacedBootImageWarns(t *testing.T) {
	oracle.Need(t, "xorriso")
	src := bootSource(t)
	const warn = "discstage: warning: /boot/bios.img: boot image replaced or removed: the disc still boots the image this file held before"
	img := filepath.Join(t.TempDir(), "boot.iso")
	mustRun(t, append(append([]string{"append", img}, bootArgs...), src+"/")...)
	img2 := filepath.Join(t.TempDir(), "boot2.iso")
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(img2, b, 0o644)

	more := filepath.Join(t.TempDir(), "more")
	testtree.File(t, more, "more.txt", []byte("more\n"))
	if out := mustRun(t, "append", img, more); strings.Contains(out, "El Torito") {
		t.Errorf("boot files kept, yet a warning:\n%s", out)
	}
	testtree.File(t, more, "boot/bios.img", []byte("another boot image\n"))
	if out := mustRun(t, "append", img, more); !strings.Contains(out, warn) || strings.Contains(out, "efi.img") || strings.Contains(out, "El Torito tree") {
		t.Errorf("append replacing /boot/bios.img: want the warning %q:\n%s", warn, out)
	}
	oldImage(t, img)

	mnt := mountTarget(t, img2)
	if err := os.WriteFile(filepath.Join(mnt, "boot", "bios.img"), []byte("another boot image\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// More renamed names than a summary gives as examples: the boot
	// image is told apart from them all the same.
	for i := 0; i < 5; i++ {
		write(t, filepath.Join(mnt, fmt.Sprintf("%s%d", strings.Repeat("n", 70), i)), "x")
	}
	if out := mustRun(t, "status", mnt); !strings.Contains(out, "warnings:  6: 5 names in the Joliet tree, 1 boot image kept though its file changed (El Torito)") {
		t.Errorf("status replacing /boot/bios.img:\n%s", out)
	}
	for _, args := range [][]string{{"commit", "--dry-run", mnt}, {"commit", mnt}} {
		if out := mustRun(t, args...); !strings.Contains(out, warn) || strings.Contains(out, "El Torito tree") ||
			!strings.Contains(out, "the Joliet tree names 5 entries differently") {
			t.Errorf("%v replacing /boot/bios.img: want the warning %q apart from the names:\n%s", args, warn, out)
		}
	}
	mustRun(t, "unmount", mnt)
	oldImage(t, img2)
}

// oldImage checks that img boots the first session's BIOS image, which
// no file holds any more, and its UEFI image, still /boot/efi.img.
func oldImage(t *testing.T, img string) {
	t.Helper()
	rep := oracle.Run(t, "xorriso", "-indev", img, "-report_el_torito", "plain")
	for _, want := range []string{`El Torito boot img :\s+1\s+BIOS\s+y\s+none`, `El Torito img path :\s+2\s+/boot/efi.img`} {
		if !regexp.MustCompile(want).MatchString(rep) {
			t.Errorf("xorriso -report_el_torito plain lacks %q:\n%s", want, rep)
		}
	}
	if regexp.MustCompile(`El Torito img path :\s+1`).MatchString(rep) {
		t.Errorf("the BIOS image is still a file's data:\n%s", rep)
	}
	oracle.BootCD(t, img, testtree.BootMessage)
}
