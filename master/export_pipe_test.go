package master

// SetPairedHashes makes the sessions written from now on hash their
// files in the session stage (true) or in a stage of their own on
// crypto/md5 (false), and returns what undoes it. Not for parallel tests.
func SetPairedHashes(v bool) (restore func()) {
	old := pairedHashes
	pairedHashes = v
	return func() { pairedHashes = old }
}

// SetISOHook has fn called as Layout begins the ISO 9660 hierarchy (see
// isoHook), and returns what undoes it. Not for parallel tests.
func SetISOHook(fn func()) (restore func()) {
	old := isoHook
	isoHook = fn
	return func() { isoHook = old }
}

// SetCopiedHook makes fn run with each file's path (in the tree) once
// its data is copied into a session, before the copy is checked, and
// returns what undoes it. Not for parallel tests.
func SetCopiedHook(fn func(path string)) (restore func()) {
	old := copiedHook
	copiedHook = fn
	return func() { copiedHook = old }
}
