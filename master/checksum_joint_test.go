package master_test

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// The two checksum pipes, the session stage hashing each file's data
// with the session's (md5pair.WriteBoth, amd64) and a file stage of its
// own (crypto/md5, elsewhere), write the same session byte for byte, and
// xorriso finds its tags and every file's MD5 right; Verify, in its one
// stage and in its two, finds the session right and a changed byte
// wrong. The sizes put file ends on and around MD5 blocks, sectors and
// the pipe's 512 KiB buffers (a file that fills a buffer exactly ends in
// an empty one).
func TestChecksumPipesAgree(t *testing.T) {
	const buf = 512 << 10
	sizes := []int{0, 1, 55, 63, 64, 65, 2047, 2048, 2049, buf - 2048, buf, buf, buf + 1, 0, 3*buf + 100, 7}
	rng := rand.New(rand.NewPCG(3, 4))
	var kids []*tree.Node
	for i, n := range sizes {
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		kids = append(kids, &tree.Node{Name: fmt.Sprintf("f%02d", i), Mode: 0o644, ModTime: wFixedTime, Size: int64(n),
			Source: tree.ReaderAtSource{R: bytes.NewReader(data), Size: int64(n)}})
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: kids}
	var imgs [2][]byte
	for i, paired := range []bool{false, true} {
		restore := master.SetPairedHashes(paired)
		im, err := master.Layout(root, md5Opts())
		if err != nil {
			restore()
			t.Fatal(err)
		}
		var out bytes.Buffer
		_, err = im.WriteTo(&out)
		restore()
		if err != nil {
			t.Fatalf("paired %v: %v", paired, err)
		}
		imgs[i] = out.Bytes()
	}
	if !bytes.Equal(imgs[0], imgs[1]) {
		t.Fatalf("the pipes wrote different sessions (%d and %d bytes)", len(imgs[0]), len(imgs[1]))
	}
	// Verify, which hashes the same way, finds it right, and finds a
	// byte changed in the largest file's data.
	bad := bytes.Clone(imgs[1])
	data := make([]byte, 64)
	kids[14].Source.(tree.ReaderAtSource).R.ReadAt(data, 0)
	at := bytes.Index(bad, data)
	if at < 0 {
		t.Fatal("the largest file's data is not in the session")
	}
	bad[at+(3<<19)+50] ^= 1
	// Verify hashes in one joint stage only with one core (on more, two
	// stages finish first): paired runs it on one.
	for _, paired := range []bool{false, true} {
		restore := master.SetPairedHashes(paired)
		if paired {
			procs := runtime.GOMAXPROCS(1)
			r := restore
			restore = func() { runtime.GOMAXPROCS(procs); r() }
		}
		if _, err := master.Verify(bytes.NewReader(imgs[1]), int64(len(imgs[1])/2048), 0, master.VerifyFull); err != nil {
			t.Errorf("paired %v: verify: %v", paired, err)
		}
		rep, err := master.Verify(bytes.NewReader(bad), int64(len(bad)/2048), 0, master.VerifyFull)
		restore()
		if !errors.Is(err, master.ErrMismatch) || rep == nil || !slices.ContainsFunc(rep.Problems, func(p master.Problem) bool { return p.Path == "/f14" }) {
			t.Errorf("paired %v: verify of a changed byte in f14: %v, %+v", paired, err, rep)
		}
	}
	// Every file's own MD5 is in the checksum array.
	for _, k := range kids {
		data := make([]byte, k.Size)
		k.Source.(tree.ReaderAtSource).R.ReadAt(data, 0)
		if sum := md5.Sum(data); !bytes.Contains(imgs[1], sum[:]) {
			t.Errorf("%s: its MD5 %x is not in the session", k.Name, sum)
		}
	}
	img := filepath.Join(t.TempDir(), "img.iso")
	if err := os.WriteFile(img, imgs[1], 0o644); err != nil {
		t.Fatal(err)
	}
	xorrisoMD5(t, img, 0, true)
}
