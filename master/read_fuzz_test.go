package master

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// rtPackSectors encodes a medium compactly for fuzzing: every sector as
// a 2-byte big-endian count and that many leading bytes, the rest of the
// sector being zeros. Images are mostly zero padding, so seeds shrink
// tenfold and the fuzzer mutates what matters.
func rtPackSectors(img []byte) []byte {
	var out []byte
	for i := 0; i+tree.SectorSize <= len(img); i += tree.SectorSize {
		sec := bytes.TrimRight(img[i:i+tree.SectorSize], "\x00")
		out = append(out, byte(len(sec)>>8), byte(len(sec)))
		out = append(out, sec...)
	}
	return out
}

// rtUnpackSectors inverts rtPackSectors for any input, up to max sectors.
func rtUnpackSectors(data []byte, max int) []byte {
	n := 0
	for rest := data; len(rest) >= 2 && n < max; n++ {
		rest = rest[2+min(int(rest[0])<<8|int(rest[1]), tree.SectorSize, len(rest)-2):]
	}
	img := make([]byte, n*tree.SectorSize)
	for i := 0; i < n; i++ {
		l := min(int(data[0])<<8|int(data[1]), tree.SectorSize, len(data)-2)
		copy(img[i*tree.SectorSize:], data[2:2+l])
		data = data[2+l:]
	}
	return img
}

// FuzzReadSession reads arbitrary bytes as a medium of at most
// fzMaxSectors sectors (packed by rtPackSectors): the sessions it lists
// and the sessions at the usual starts are read, their FS walked and
// files read (a few kilobytes in all). Nothing may panic or hang, and
// every error must say ErrCorrupt or ErrNotISO.
func FuzzReadSession(f *testing.F) {
	for _, s := range fzSeeds(f) {
		f.Add(rtPackSectors(s))
	}
	f.Fuzz(func(t *testing.T, packed []byte) {
		r := fzUnpack(packed, fzMaxSectors)
		sectors := r.Sectors()
		starts := []uint32{0, 32}
		list, err := ListSessions(r, sectors)
		if err != nil && !errors.Is(err, ErrNotISO) {
			t.Fatalf("ListSessions: %v", err)
		}
		for i, s := range list {
			if i < 4 && !slices.Contains(starts, s.Start) {
				starts = append(starts, s.Start)
			}
		}
		for _, start := range starts {
			// What sessions asks of every session: it must end, and
			// name its errors, on any bytes.
			UDFRecognized(r, sectors, start)
			if _, err := SessionFormats(r, sectors, start); err != nil && !strings.HasPrefix(err.Error(), "master: ") {
				t.Fatalf("SessionFormats(%d): error without package prefix: %v", start, err)
			}
			s, err := ReadSession(r, sectors, start)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotISO) {
					t.Fatalf("ReadSession(%d): unclassified error: %v", start, err)
				}
				if !strings.HasPrefix(err.Error(), "master: ") {
					t.Fatalf("ReadSession(%d): error without package prefix: %v", start, err)
				}
				continue
			}
			fzWalk(t, s, 8<<10)
		}
	})
}
