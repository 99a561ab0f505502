package mmc_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
)

// TestGrownKeepsSystemArea writes a system area (an MBR and the bytes
// after it, as dd writes an isohybrid image's first 32 KiB) over LBA
// 0-15 of an overwritable disc that holds a session, then grows it
// twice: each new superblock keeps those bytes, and xorriso and isoinfo
// still read the chain and the newest session through LBA 16.
func TestGrownKeepsSystemArea(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	for _, profile := range []string{"dvd+rw", "bd-re"} {
		t.Run(profile, func(t *testing.T) {
			d, _, path := emulated(t, profile)
			mustAppend(t, d, "one", 1000, false)
			sys := make([]byte, 16*tree.SectorSize)
			rand.Read(sys)
			sys[510], sys[511] = 0x55, 0xAA
			if err := d.Device().Write10(0, sys); err != nil {
				t.Fatal(err)
			}
			for i, name := range []string{"two", "three"} {
				mustAppend(t, d, name, 100, false)
				got := make([]byte, len(sys))
				if err := d.Device().Read10(0, got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, sys) {
					t.Fatalf("session %d changed LBA 0-15 of the %s", i+2, profile)
				}
				m := probe(t, d)
				out := oracle.Run(t, "xorriso", "-indev", path, "-toc")
				for n, s := range m.Sessions {
					if want := fmt.Sprintf("ISO session  : %3d , %9d ,", n+1, s.Start); !strings.Contains(out, want) {
						t.Errorf("xorriso -toc lacks %q:\n%s", want, out)
					}
				}
				if ls := oracle.Run(t, "isoinfo", "-R", "-f", "-i", path); !strings.Contains(ls, "/dir/"+name) {
					t.Errorf("isoinfo via the superblock:\n%s", ls)
				}
			}
		})
	}
}
