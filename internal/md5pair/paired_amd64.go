//go:build amd64 && !purego

package md5pair

// Paired says whether WriteBoth costs about one pass over the bytes it
// shares between two digests (the assembly of block2) rather than two.
const Paired = true
