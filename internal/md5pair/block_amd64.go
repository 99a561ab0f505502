//go:build amd64 && !purego

package md5pair

//go:noescape
func blockAMD64(s *[4]uint32, p []byte)

//go:noescape
func block2AMD64(s, t *[4]uint32, p []byte)

// block hashes the whole 64-byte blocks of p into s.
func block(s *[4]uint32, p []byte) { blockAMD64(s, p) }

// block2 hashes the whole 64-byte blocks of p into both s and t.
func block2(s, t *[4]uint32, p []byte) { block2AMD64(s, t, p) }
