// Package stress holds the model-based stress test of discstage: random
// file operations in a real mount of the built command and in a
// reference folder on the local disk, with commits and remounts at
// random points, compared after each commit, after each remount and
// against each committed session as xorriso extracts it.
//
// The test uses only the built binary, the mount and tools discstage
// did not write, so it does not depend on how the packages are built
// inside. A short form runs with go test ./...; the long form:
//
//	DISCSTAGE_STRESS_OPS=22500 go test -count=1 -run '^TestStress$' -timeout 3h -v ./stress/
//
// DISCSTAGE_STRESS_SEED repeats a run (every run prints its seed; a
// failing run prints its operation log).
package stress
