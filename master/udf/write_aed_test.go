package udf

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
)

// A file of more extents than a file entry holds (an earlier session's
// file written in many pieces) gets allocation extent descriptors: the
// entry's last descriptor continues in blocks after it, for every
// revision. The Linux kernel reads them (checked by hand: UDF_KEEP=DIR
// keeps the images for kernel-read --fs udf).
func TestWriteAllocationExtents(t *testing.T) {
	for _, rev := range []uint16{Rev102, Rev201, Rev250} {
		for _, n := range []int{200, 600, 1000} {
			t.Run(fmt.Sprintf("%s/%d", RevisionString(rev), n), func(t *testing.T) {
				m := &medium{}
				// n extents of one sector each, every other sector
				// from 3000 on, each holding its number.
				var ext []tree.Extent
				var want []byte
				for i := 0; i < n; i++ {
					b := bytes.Repeat([]byte(fmt.Sprintf("%07d\n", i)), BlockSize/8)
					lba := uint32(3000 + 2*i)
					m.put(lba, b)
					ext = append(ext, tree.Extent{LBA: lba, Length: BlockSize})
					want = append(want, b...)
				}
				frag := &tree.Node{Name: "frag.bin", Mode: 0o644, Size: int64(len(want)), Extents: ext, ModTime: testTime}
				root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{frag, tfile("small.txt", "small\n", 0o644)}}
				p := m.session(t, root, 0, Options{Revision: rev, VolumeID: "AED", Time: testTime})
				// 7-Zip wants an anchor right after the last data.
				m.put(m.sectors(), p.Anchor(m.sectors()))
				v, err := Open(bytes.NewReader(m.b), int64(m.sectors()), 0)
				if err != nil {
					t.Fatal(err)
				}
				got, err := v.Tree()
				if err != nil {
					t.Fatal(err)
				}
				b, err := fs.ReadFile(v.FS(got), "frag.bin")
				if err != nil || !bytes.Equal(b, want) {
					t.Fatalf("frag.bin reads %d bytes (%v), want %d", len(b), err, len(want))
				}
				if rev == Rev250 {
					return
				}
				keepImageBytes(t, m.b, fmt.Sprintf("aed-%s-%d.img", RevisionString(rev), n))
				oracle.Need(t, "7z")
				img := filepath.Join(t.TempDir(), "aed.img")
				os.WriteFile(img, m.b, 0o644)
				if p.aedBlocks(n) > 0 {
					// 7-Zip follows no allocation extent descriptors
					// ("Unsupported Method"); it lists the volume.
					if out := oracle.Run(t, "7z", "l", img); !bytes.Contains([]byte(out), []byte("frag.bin")) {
						t.Errorf("7z l:\n%s", out)
					}
					return
				}
				dir := t.TempDir()
				oracle.Run(t, "7z", "x", "-o"+dir, img)
				if b, err := os.ReadFile(filepath.Join(dir, "frag.bin")); err != nil || !bytes.Equal(b, want) {
					t.Errorf("7z extracts frag.bin as %d bytes (%v), want %d", len(b), err, len(want))
				}
			})
		}
	}
}
