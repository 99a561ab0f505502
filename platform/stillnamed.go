package platform

import "os"

// StillNamed reports whether abs, the absolute path f was opened by,
// still names f: false once another program renamed a file over it or
// removed it, when what is written to f reaches a file no name leads to.
// The error is that of f's own stat.
func StillNamed(f *os.File, abs string) (bool, error) {
	own, err := f.Stat()
	if err != nil {
		return false, err
	}
	cur, err := os.Stat(abs)
	return err == nil && os.SameFile(cur, own), nil
}
