package udf

import (
	"bytes"
	"testing"
)

// PlainAnchor repoints sector 256 only when it is an anchor and lies
// before the newest session: at the session's own sequences, or at none
// when the session records no UDF volume.
func TestPlainAnchor(t *testing.T) {
	const start = 448
	img := func(at256, own []byte) []byte {
		b := make([]byte, (start+300)*BlockSize)
		copy(b[256*BlockSize:], at256)
		copy(b[(start+256)*BlockSize:], own)
		return b
	}
	first := AnchorSector(ExtentAD{16 * BlockSize, 32}, ExtentAD{16 * BlockSize, 48}, 256, 2)
	main, reserve := ExtentAD{16 * BlockSize, start + 20}, ExtentAD{16 * BlockSize, start + 36}
	newest := AnchorSector(main, reserve, start+256, 3)
	data := bytes.Repeat([]byte("file data "), BlockSize/10)

	got, ok, err := PlainAnchor(bytes.NewReader(img(first, newest)), start)
	if err != nil || !ok {
		t.Fatalf("anchor at 256: ok %v, %v", ok, err)
	}
	if want := AnchorSector(main, reserve, 256, 3); !bytes.Equal(got, want) {
		t.Errorf("repointed anchor differs from one made for 256")
	}
	got, ok, err = PlainAnchor(bytes.NewReader(img(first, nil)), start)
	if err != nil || !ok || !bytes.Equal(got, make([]byte, BlockSize)) {
		t.Errorf("newest session without UDF: ok %v, %v, zeros %v", ok, err, bytes.Equal(got, make([]byte, BlockSize)))
	}
	for name, b := range map[string][]byte{"file data at 256": img(data, newest), "nothing at 256": img(nil, newest)} {
		if _, ok, err := PlainAnchor(bytes.NewReader(b), start); ok || err != nil {
			t.Errorf("%s: ok %v, %v; want it left alone", name, ok, err)
		}
	}
	if _, ok, err := PlainAnchor(bytes.NewReader(img(first, newest)), 256); ok || err != nil {
		t.Errorf("a session holding sector 256: ok %v, %v; want it left alone", ok, err)
	}
}
