package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/udf"
)

// A plain image, whose first session another program wrote at sector 0
// with a UDF volume (genisoimage -udf, the same without its ISO 9660
// descriptors as Windows leaves one, an empty mkudffs volume), is read
// by UDF readers through the anchor at sector 256. After each append
// that anchor leads to the newest session's UDF tree, which holds the
// files of every session: 7-Zip and udfinfo, reading the whole
// image, list what xorriso lists through the superblock.
func TestAppendToForeignUDFImage(t *testing.T) {
	makers := map[string]func(t *testing.T) (string, map[string]string){
		"genisoimage-udf": func(t *testing.T) (string, map[string]string) {
			return udfBridgeImage(t, udfFiles), udfFiles
		},
		"udf-only": func(t *testing.T) (string, map[string]string) {
			return udfOnlyImage(t, udfFiles), udfFiles
		},
		"mkudffs": func(t *testing.T) (string, map[string]string) {
			oracle.Need(t, "mkudffs")
			img := filepath.Join(t.TempDir(), "udf.img")
			oracle.Run(t, "mkudffs", "--blocksize=2048", "--media-type=hd", img, "3000")
			return img, map[string]string{}
		},
	}
	for name, make := range makers {
		t.Run(name, func(t *testing.T) {
			img, files := make(t)
			want := map[string]string{}
			for p, d := range files {
				want[p] = d
			}
			for i, add := range []string{"first.txt", "second.txt"} {
				src := filepath.Join(t.TempDir(), add)
				if err := os.WriteFile(src, []byte(add+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				mustRun(t, "append", img, src)
				want[add] = add + "\n"
				checkWholeImage(t, img, want)
				if out, code := run(t, "verify", img); code != 0 {
					t.Errorf("verify after append %d: exit %d\n%s", i+1, code, out)
				}
			}
		})
	}
}

// checkWholeImage checks that readers we did not write, given the whole
// image, find exactly the files of want (path to bytes): xorriso through
// the ISO 9660 superblock; 7-Zip and udfinfo through the UDF anchor at
// sector 256. (pycdlib reads the file set descriptor at the partition's
// first block, a first session's only; see package burn's checkOthers.)
func checkWholeImage(t *testing.T, img string, want map[string]string) {
	t.Helper()
	oracle.Need(t, "xorriso", "7z", "udfinfo")
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	x := filepath.Join(t.TempDir(), "x")
	oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/", x)
	u := filepath.Join(t.TempDir(), "u")
	if out := oracle.Run(t, "7z", "l", img); !strings.Contains(out, "Type = Udf") {
		t.Errorf("7z does not read the image as UDF:\n%s", out)
	}
	oracle.Run(t, "7z", "x", "-tudf", "-o"+u, img)
	for _, dir := range []string{x, u} {
		got := regularFiles(t, dir)
		if strings.Join(got, " ") != strings.Join(paths, " ") {
			t.Errorf("%s: files %q, want %q", filepath.Base(dir), got, paths)
		}
		for _, p := range got {
			if b, _ := os.ReadFile(filepath.Join(dir, p)); string(b) != want[p] {
				t.Errorf("%s: %s holds %q, want %q", filepath.Base(dir), p, b, want[p])
			}
		}
	}
	info, errOut, err := oracle.Try("udfinfo", img)
	if err != nil || !strings.Contains(info, fmt.Sprintf("numfiles=%d\n", len(want))) || strings.Contains(errOut, "different location") {
		t.Errorf("udfinfo, want numfiles=%d and anchors that agree: %v\n%s%s", len(want), err, info, errOut)
	}
}

// regularFiles lists the regular files under dir, slash-separated and
// sorted.
func regularFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// An overwritable disc (DVD+RW, BD-RE) whose file system another
// program wrote at sector 0 (growisofs -Z, mkisofs piped to the drive,
// Windows) is appended to as a plain image is: its files stay, in place,
// and the new session's trees hold them. Before, the drive took such a
// disc for blank and wrote a session at 32 over the first session's
// small files, whose tree no reader then found. Erasing it is asked for:
// drives blank (which failed on these media).
func TestAppendToForeignOverwritableDisc(t *testing.T) {
	for _, c := range []struct{ profile, capacity string }{
		{"dvd+rw", "2295104"},
		{"bd-re", "12219392"},
	} {
		t.Run(c.profile, func(t *testing.T) {
			oracle.Need(t, "xorriso", "isoinfo")
			data := udfBridgeImage(t, udfFiles)
			before, err := os.ReadFile(data)
			if err != nil {
				t.Fatal(err)
			}
			// The disc as another program left it: its bytes from LBA 0,
			// formatted.
			state := `{"profile": "` + c.profile + `", "capacity": ` + c.capacity + `, "formatted": true}`
			if err := os.WriteFile(data+".mmc.json", []byte(state), 0o644); err != nil {
				t.Fatal(err)
			}
			target := "emulated:" + c.profile + ":" + data
			out := mustRun(t, "sessions", target)
			if !strings.Contains(out, c.profile+", appendable") || !strings.Contains(out, "UDF 1.02") {
				t.Fatalf("sessions of the foreign disc:\n%s", out)
			}
			src := filepath.Join(t.TempDir(), "new.txt")
			os.WriteFile(src, []byte("added\n"), 0o644)
			mustRun(t, "append", target, src)

			after, err := os.ReadFile(data)
			if err != nil {
				t.Fatal(err)
			}
			// What the first session's tree uses past its descriptors
			// (LBA 16-21 take the new copy) is as it was.
			if !onlyAnchorChanged(before, after) {
				t.Errorf("sectors of the first session's data changed")
			}
			want := map[string]string{"new.txt": "added\n"}
			for p, d := range udfFiles {
				want[p] = d
			}
			img := filepath.Join(t.TempDir(), "disc.iso")
			if err := os.WriteFile(img, after, 0o644); err != nil {
				t.Fatal(err)
			}
			checkWholeImage(t, img, want)
			if out, code := run(t, "verify", target); code != 0 {
				t.Errorf("verify: exit %d\n%s", code, out)
			}
			// Starting afresh is asked for: blanking erases the file
			// systems (BLANK is no command for these media).
			mustRun(t, "drives", "blank", target)
			if out := mustRun(t, "sessions", target); !strings.Contains(out, c.profile+", blank") {
				t.Errorf("sessions after drives blank:\n%s", out)
			}
			mustRun(t, "append", target, src)
			if out := mustRun(t, "ls", target, "/"); strings.Contains(out, "a.txt") || !strings.Contains(out, "new.txt") {
				t.Errorf("ls after blanking and appending:\n%s", out)
			}
		})
	}
}

// onlyAnchorChanged says whether after differs from before, within
// before's length, only where the first session holds no data: in
// sectors 16-31 that held a volume descriptor (ISO 9660 or UDF's
// recognition sequence) or nothing, and in the anchor at sector 256.
func onlyAnchorChanged(before, after []byte) bool {
	const sector = 2048
	for lba := 0; lba < len(before)/sector; lba++ {
		b, a := before[lba*sector:(lba+1)*sector], after[lba*sector:(lba+1)*sector]
		if bytes.Equal(a, b) || lba == 256 {
			continue
		}
		if lba < 16 || lba >= 32 || !(bytes.Equal(b, make([]byte, sector)) || string(b[1:6]) == "CD001" || udf.VRSIdent(b) != "") {
			return false
		}
	}
	return true
}

// verify checks the anchor at sector 256 of a plain image, which no
// checksum covers: one left pointing at the first session's volume (as
// appends made it before) is reported, naming the sector.
func TestVerifyPlainAnchor(t *testing.T) {
	img := udfBridgeImage(t, udfFiles)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	const sector = 2048
	old := bytes.Clone(b[256*sector : 257*sector])
	src := filepath.Join(t.TempDir(), "new.txt")
	os.WriteFile(src, []byte("added\n"), 0o644)
	mustRun(t, "append", img, src)
	mustRun(t, "verify", img)
	f, err := os.OpenFile(img, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(old, 256*sector); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, code := run(t, "verify", img)
	if code != exitcodes.VerifyFailed || !strings.Contains(out, "UDF anchor, LBA 256-256: does not point at the volume descriptors of the session") {
		t.Errorf("verify with the first session's anchor at 256: exit %d\n%s", code, out)
	}
}

// A session without UDF appended to such an image takes the anchor at
// 256 away with the first session's tree: 7-Zip, which prefers UDF,
// then reads the ISO 9660 tree, which holds every file, instead of the
// first session's UDF tree, which lacks the new ones.
func TestAppendWithoutUDFToForeignUDFImage(t *testing.T) {
	oracle.Need(t, "7z")
	img := udfBridgeImage(t, udfFiles)
	src := filepath.Join(t.TempDir(), "new.txt")
	os.WriteFile(src, []byte("added\n"), 0o644)
	mustRun(t, "append", "--udf", "off", img, src)
	out := oracle.Run(t, "7z", "l", img)
	if !strings.Contains(out, "Type = Iso") || !strings.Contains(out, "new.txt") || !strings.Contains(out, "a.txt") {
		t.Errorf("7z l after a session without UDF:\n%s", out)
	}
	mustRun(t, "verify", img)
}
