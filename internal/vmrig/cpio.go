package vmrig

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Initramfs is the root filesystem the guest kernel unpacks into memory:
// files, directories and symbolic links, written as a "newc" cpio
// archive, the format the kernel's initramfs loader reads.
type Initramfs struct {
	entries map[string]entry
}

type entry struct {
	mode uint32 // type and permission bits, as in stat
	data []byte // file content, or a symbolic link's target
}

const (
	modeDir  = 0o040000
	modeFile = 0o100000
	modeLink = 0o120000
)

// AddFile adds a regular file with the given permission bits; missing
// parent directories are added too.
func (r *Initramfs) AddFile(name string, perm uint32, data []byte) {
	r.add(name, entry{mode: modeFile | perm&0o7777, data: data})
}

// AddDir adds a directory.
func (r *Initramfs) AddDir(name string) {
	r.add(name, entry{mode: modeDir | 0o755})
}

// AddSymlink adds a symbolic link.
func (r *Initramfs) AddSymlink(name, target string) {
	r.add(name, entry{mode: modeLink | 0o777, data: []byte(target)})
}

func (r *Initramfs) add(name string, e entry) {
	if r.entries == nil {
		r.entries = map[string]entry{}
	}
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	for d := path.Dir(name); d != "." && d != "/"; d = path.Dir(d) {
		if _, ok := r.entries[d]; !ok {
			r.entries[d] = entry{mode: modeDir | 0o755}
		}
	}
	r.entries[name] = e
}

// WriteTo writes the archive: parents before children, then the
// trailer.
func (r *Initramfs) WriteTo(w io.Writer) (int64, error) {
	names := make([]string, 0, len(r.entries))
	for n := range r.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var total int64
	ino := uint32(1)
	write := func(name string, e entry) error {
		hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			ino, e.mode, 0, 0, 1, 0, len(e.data), 0, 0, 0, 0, len(name)+1, 0)
		ino++
		b := append([]byte(hdr), name...)
		b = append(b, 0)
		b = pad4(b)
		b = append(b, e.data...)
		b = pad4(b)
		n, err := w.Write(b)
		total += int64(n)
		return err
	}
	for _, n := range names {
		if err := write(n, r.entries[n]); err != nil {
			return total, err
		}
	}
	return total, write("TRAILER!!!", entry{})
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
