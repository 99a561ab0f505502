package master_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/udf"
)

// TestUDFNeedsItsRecognitionSequence: a session whose head names no UDF
// volume (no NSR02 or NSR03 in its volume recognition sequence) is not
// read as UDF through an anchor at its sector 256, as the Linux kernel
// does not: that anchor is another session's, left there when another
// program wrote a session without UDF where an interrupted one had
// begun. Its ISO 9660 tree still reads, and its end is the tree's.
func TestUDFNeedsItsRecognitionSequence(t *testing.T) {
	img := bridgeImage(t)
	sectors := int64(len(img) / 2048)
	if _, err := udf.OpenSession(bytes.NewReader(img), sectors, 0); err != nil {
		t.Fatalf("the bridge reads as UDF: %v", err)
	}
	cleared := 0
	for lba := 16; lba < 32; lba++ {
		s := img[lba*2048 : (lba+1)*2048]
		switch string(s[1:6]) {
		case "BEA01", "NSR02", "NSR03", "TEA01":
			clear(s)
			cleared++
		}
	}
	if cleared != 3 {
		t.Fatalf("cleared %d recognition descriptors, want 3", cleared)
	}
	_, err := udf.OpenSession(bytes.NewReader(img), sectors, 0)
	if !errors.Is(err, udf.ErrNotUDF) {
		t.Errorf("a session naming no UDF volume opens as UDF: %v", err)
	}
	s, err := master.ReadSession(bytes.NewReader(img), sectors, 0)
	if err != nil {
		t.Fatalf("its ISO 9660 tree: %v", err)
	}
	if s.Root.Lookup("/sub/c.txt") == nil {
		t.Errorf("its ISO 9660 tree lacks /sub/c.txt")
	}
}
