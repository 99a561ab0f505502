package master

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadSession reads arbitrary bytes as a medium: the sessions it
// lists and the sessions at the usual starts are read, their FS walked
// and every file read (bounded). Nothing may panic or hang, and every
// error must say ErrCorrupt or ErrNotISO.
func FuzzReadSession(f *testing.F) {
	matches, err := filepath.Glob(filepath.Join("testdata", "read", "*.iso.gz"))
	if err != nil || len(matches) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, m := range matches {
		f.Add(rtGunzip(f, m))
	}
	f.Add(rtChainImage(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		sectors := int64(len(data) / SectorSize)
		starts := []uint32{0, 32}
		list, err := ListSessions(r, sectors)
		if err != nil && !errors.Is(err, ErrNotISO) {
			t.Fatalf("ListSessions: %v", err)
		}
		for i, s := range list {
			if i < 4 && s.Start != 0 && s.Start != 32 {
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
