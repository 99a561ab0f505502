package master

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// fzBytes hands out the fuzzer's bytes as the fields of a tree; past
// the end every field is zero.
type fzBytes struct{ b []byte }

func (r *fzBytes) more() bool { return len(r.b) > 0 }

func (r *fzBytes) next(n int) []byte {
	out := make([]byte, n)
	k := copy(out, r.b)
	r.b = r.b[k:]
	return out
}

func (r *fzBytes) u8() byte    { return r.next(1)[0] }
func (r *fzBytes) u32() uint32 { return binary.LittleEndian.Uint32(r.next(4)) }
func (r *fzBytes) u64() uint64 { return binary.LittleEndian.Uint64(r.next(8)) }

// time gives times across the whole range a session may meet: before
// year 1, before 1900, after 2155 and 9999, and ordinary ones.
func (r *fzBytes) time() time.Time {
	sec := int64(r.u64()) >> (r.u8() % 64)
	return time.Unix(sec, int64(r.u32()%1e9))
}

// fzWriteTree makes a tree of up to 24 entries from data: files (with
// bytes), directories, symbolic links, named pipes and devices, with
// any name bytes, modes, owners, times and link targets, each under a
// directory made before it.
func fzWriteTree(data []byte) *tree.Node {
	r := &fzBytes{data}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: fzTime}
	dirs := []*tree.Node{root}
	for i := 0; i < 24 && r.more(); i++ {
		kind := r.u8() % 6
		parent := dirs[int(r.u8())%len(dirs)]
		name := r.next(int(r.u8()%24) + 1)
		if n := r.u8(); n >= 0xF0 {
			// A long name: over what Joliet and UDF hold, now and
			// then over the 255 bytes Layout takes.
			name = bytes.Repeat(name, 270/len(name)+1)[:200+int(n-0xF0)*4]
		}
		for i, c := range name {
			if c == 0 || c == '/' {
				name[i] = 'x' // no name holds them: Layout refuses
			}
		}
		perm := fs.FileMode(r.u32() & 0o777)
		n := &tree.Node{Name: string(name), UID: r.u32(), GID: r.u32(), ModTime: r.time(), AccessTime: r.time(), ChangeTime: r.time()}
		if r.u8()&1 != 0 {
			perm |= fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky
		}
		switch kind {
		case 0, 1:
			size := int(r.u8()) * 41
			content := bytes.Repeat(name, size/len(name)+1)[:size]
			n.Mode, n.Size, n.Source = perm, int64(len(content)), tree.Bytes(content)
		case 2:
			n.Mode = fs.ModeDir | perm
			dirs = append(dirs, n)
		case 3:
			n.Mode, n.Target = fs.ModeSymlink|0o777, string(r.next(int(r.u8()%40)+1))
		case 4:
			n.Mode = fs.ModeNamedPipe | perm
		case 5:
			n.Mode, n.Rdev = fs.ModeDevice|fs.ModeCharDevice|perm, r.u64()
		}
		parent.Children = append(parent.Children, n)
	}
	return root
}

// FuzzWriteVerifies holds mastering to its own verification: a tree
// that Layout takes makes a session that verifies at VerifyFull, every
// tree of it (ISO 9660, Rock Ridge, Joliet, UDF) against the others and
// every checksum, with each UDF revision or none, with and without
// Joliet and relocation, as a first session and as a later one. A session that fails its own verification after it is
// written costs a write-once disc that session on every retry: a name,
// link target or time that cannot be recorded must be refused by Layout
// or recorded so that verification agrees, never found out after the
// write.
func FuzzWriteVerifies(f *testing.F) {
	f.Add([]byte("\x00\x00\x05hello\x00\xa4\x01\x00\x00"))
	f.Add([]byte("\x03\x00\x03lnk\x00\xff\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05caf\xe9/"))
	f.Add(bytes.Repeat([]byte{2, 0, 4, 'd', 'i', 'r', '1', 0, 0xed, 1, 0, 0, 0xff}, 8))
	f.Add(bytes.Repeat([]byte{0x80, 0x7f, 0x01, 0xff, 0xfe, 0x00, 0xf7}, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		// The first byte picks the options: the UDF revision (or none),
		// Joliet, deep directories relocated, and a session that starts
		// at LBA 32, as a second session does.
		o := data[0]
		opts := Options{VolumeID: "FUZZ", RockRidge: true, Joliet: o&4 == 0, MD5: true,
			UDF: []uint16{udf.Rev201, udf.Rev102, udf.Rev250, 0}[o&3], RelocateDeep: o&8 != 0, Time: fzTime}
		if o&16 != 0 {
			opts.StartLBA = 32
		}
		root := fzWriteTree(data[1:])
		im, err := Layout(root, opts)
		if err != nil {
			return // refused before anything is written
		}
		out := bytes.NewBuffer(make([]byte, int(opts.StartLBA)*tree.SectorSize))
		if _, err := im.WriteTo(out); err != nil {
			t.Fatalf("writing a session Layout took: %v", err)
		}
		b := out.Bytes()
		if rep, err := Verify(bytes.NewReader(b), int64(len(b)/tree.SectorSize), opts.StartLBA, VerifyFull); err != nil {
			t.Fatalf("the session does not verify (options %+v): %v\n%v", opts, err, rep.Problems)
		}
	})
}
