package staging

import "os"

// openData opens a data file.
func openData(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}
