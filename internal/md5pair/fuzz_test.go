package md5pair

import (
	"bytes"
	"crypto/md5"
	"testing"
)

// FuzzWriteBoth holds New and WriteBoth to crypto/md5 on any bytes: a
// lead the first digest hashes alone, then the data in pieces of the
// size the input picks, each fed to both digests; both sums must be
// crypto/md5's.
func FuzzWriteBoth(f *testing.F) {
	f.Add([]byte("abc"), uint8(0), uint16(1))
	f.Add(bytes.Repeat([]byte{0x5a}, 200), uint8(3), uint16(64))
	f.Add(bytes.Repeat([]byte{1, 2, 3}, 1000), uint8(70), uint16(100))
	f.Add(make([]byte, 4096), uint8(64), uint16(4096))
	f.Fuzz(func(t *testing.T, data []byte, lead uint8, piece uint16) {
		l := min(int(lead), len(data))
		head, body := data[:l], data[l:]
		p := max(int(piece), 1)
		a, b := New(), New()
		ref := md5.New()
		a.Write(head)
		ref.Write(head)
		for rest := body; len(rest) > 0; {
			k := min(p, len(rest))
			WriteBoth(a, b, rest[:k])
			ref.Write(rest[:k])
			rest = rest[k:]
		}
		if got, want := a.Sum(nil), ref.Sum(nil); !bytes.Equal(got, want) {
			t.Fatalf("first digest %x, crypto/md5 %x", got, want)
		}
		if got, want := b.Sum(nil), md5.Sum(body); !bytes.Equal(got, want[:]) {
			t.Fatalf("second digest %x, crypto/md5 %x", got, want)
		}
	})
}
