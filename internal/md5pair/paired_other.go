//go:build !amd64 || purego

package md5pair

// Paired says whether WriteBoth costs about one pass over the bytes it
// shares between two digests rather than two: not measured on this
// platform, whose two chains are written in Go.
const Paired = false
