//go:build !amd64 || purego

package md5pair

// block hashes the whole 64-byte blocks of p into s.
func block(s *[4]uint32, p []byte) { blockGeneric(s, p) }

// block2 hashes the whole 64-byte blocks of p into both s and t.
func block2(s, t *[4]uint32, p []byte) { block2Generic(s, t, p) }
