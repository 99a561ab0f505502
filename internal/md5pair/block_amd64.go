//go:build amd64 && !purego

package md5pair

import "golang.org/x/sys/cpu"

//go:noescape
func blockAMD64(s *[4]uint32, p []byte)

//go:noescape
func block2AMD64(s, t *[4]uint32, p []byte)

//go:noescape
func block2BMI(s, t *[4]uint32, p []byte)

// hasBMI1 says whether the CPU runs block2BMI's ANDN.
var hasBMI1 = cpu.X86.HasBMI1

// block hashes the whole 64-byte blocks of p into s.
func block(s *[4]uint32, p []byte) { blockAMD64(s, p) }

// block2 hashes the whole 64-byte blocks of p into both s and t.
func block2(s, t *[4]uint32, p []byte) {
	if hasBMI1 {
		block2BMI(s, t, p)
		return
	}
	block2AMD64(s, t, p)
}
