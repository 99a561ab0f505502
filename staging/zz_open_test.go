package staging

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/discstage/discstage/writer"
)

func TestZZOpenPhases(t *testing.T) {
	dir := os.Getenv("ZZAREA")
	if dir == "" {
		t.Skip()
	}
	img, err := writer.OpenImage(os.Getenv("ZZIMG"), writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if _, err := os.Stat(dir); err != nil {
		a, err := Open(dir, TargetMedium(img))
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
	}
	for i := 0; i < 2; i++ {
		runtime.GC()
		t0 := time.Now()
		data, _ := os.ReadFile(filepath.Join(dir, journalName))
		t1 := time.Now()
		off, recs := 0, 0
		for off+frameHeader <= len(data) {
			n := int(binary.LittleEndian.Uint32(data[off:]))
			crc32.Checksum(data[off+frameHeader:off+frameHeader+n], castagnoli)
			off += frameHeader + n
			recs++
		}
		t2 := time.Now()
		st := replay(data)
		t3 := time.Now()
		_ = st
		st = nil
		data = nil
		runtime.GC()
		t4 := time.Now()
		a, err := Open(dir, TargetMedium(img))
		t5 := time.Now()
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		t.Logf("journal %d MB, %d records: read %v crc %v replay %v; Open %v", off>>20, recs, t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t5.Sub(t4))
	}
}
