package md5pair

import (
	"crypto/md5"
	"testing"
)

var benchData = make([]byte, 512<<10)

func BenchmarkCryptoMD5(b *testing.B) {
	h := md5.New()
	b.SetBytes(int64(len(benchData)))
	for b.Loop() {
		h.Write(benchData)
	}
}

func BenchmarkDigest(b *testing.B) {
	h := New()
	b.SetBytes(int64(len(benchData)))
	for b.Loop() {
		h.Write(benchData)
	}
}

// BenchmarkWriteBoth reports the rate of the shared bytes: two digests
// of every byte.
func BenchmarkWriteBoth(b *testing.B) {
	x, y := New(), New()
	b.SetBytes(int64(len(benchData)))
	for b.Loop() {
		WriteBoth(x, y, benchData)
	}
}
