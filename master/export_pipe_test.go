package master

// SetPairedHashes makes the sessions written from now on hash their
// files in the session stage (true) or in a stage of their own on
// crypto/md5 (false), and returns what undoes it. Not for parallel tests.
func SetPairedHashes(v bool) (restore func()) {
	old := pairedHashes
	pairedHashes = v
	return func() { pairedHashes = old }
}

// SetLayoutHook has fn called as Layout begins each step it names (see
// layoutHook), and returns what undoes it. Not for parallel tests.
func SetLayoutHook(fn func(step string)) (restore func()) {
	old := layoutHook
	layoutHook = fn
	return func() { layoutHook = old }
}
