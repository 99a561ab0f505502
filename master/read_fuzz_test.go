package master

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rtPackSectors encodes a medium compactly for fuzzing: every sector as
// a 2-byte big-endian count and that many leading bytes, the rest of the
// sector being zeros. Images are mostly zero padding, so seeds shrink
// tenfold and the fuzzer mutates what matters.
func rtPackSectors(img []byte) []byte {
	var out []byte
	for i := 0; i+SectorSize <= len(img); i += SectorSize {
		sec := bytes.TrimRight(img[i:i+SectorSize], "\x00")
		out = append(out, byte(len(sec)>>8), byte(len(sec)))
		out = append(out, sec...)
	}
	return out
}

// rtUnpackSectors inverts rtPackSectors for any input, up to max sectors.
func rtUnpackSectors(data []byte, max int) []byte {
	var img []byte
	for len(data) >= 2 && len(img) < max*SectorSize {
		n := min(int(data[0])<<8|int(data[1]), SectorSize, len(data)-2)
		sec := make([]byte, SectorSize)
		copy(sec, data[2:2+n])
		img = append(img, sec...)
		data = data[2+n:]
	}
	return img
}

// FuzzReadSession reads arbitrary bytes as a medium (packed by
// rtPackSectors): the sessions it lists and the sessions at the usual
// starts are read, their FS walked and every file read (bounded).
// Nothing may panic or hang, and every error must say ErrCorrupt or
// ErrNotISO.
func FuzzReadSession(f *testing.F) {
	matches, err := filepath.Glob(filepath.Join("testdata", "read", "*.iso.gz"))
	if err != nil || len(matches) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, m := range matches {
		f.Add(rtPackSectors(rtGunzip(f, m)))
	}
	f.Add(rtPackSectors(rtChainImage(3)))
	f.Fuzz(func(t *testing.T, packed []byte) {
		data := rtUnpackSectors(packed, 4096)
		r := bytes.NewReader(data)
		sectors := int64(len(data) / SectorSize)
		starts := []uint32{0, 32}
		list, err := ListSessions(r, sectors)
		if err != nil && !errors.Is(err, ErrNotISO) {
			t.Fatalf("ListSessions: %v", err)
		}
		for i, s := range list {
			if i < 4 && s.Start != 0 && s.Start != 32 && !slices.Contains(starts, s.Start) {
				starts = append(starts, s.Start)
			}
		}
		for _, start := range starts {
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
			rtWalkAll(t, s)
		}
	})
}
