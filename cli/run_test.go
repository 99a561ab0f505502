package cli

import (
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// run runs discstage and returns its output (stdout, then stderr) and
// exit code.
func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	r := clitest.Run(t, args)
	return r.Output(), r.Code
}

// mustRun runs discstage and fails the test unless it exits 0; it
// returns the output.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, code := run(t, args...)
	if code != 0 {
		t.Fatalf("discstage %v: exit %d\n%s", args, code, out)
	}
	return out
}

// buildBinary returns the built command (clitest.Build).
func buildBinary(t *testing.T) string { return clitest.Build(t) }

// discstage runs the built command bin and returns its output and exit
// code, as run does.
func discstage(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	return run(t, args...)
}
