// Package hostile runs the built command over spoiled images. It is a
// package of its own, apart from the other tests of the command in cli,
// so that it runs alongside them and has a test binary's time-out to
// itself: on a loaded machine it takes minutes.
package hostile

import (
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// binary is the built command.
var binary string

func TestMain(m *testing.M) { clitest.Main(m, &binary) }

// mustRun runs the built command and fails t unless it exits 0; it
// returns stdout and stderr together.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := clitest.Run(t, args)
	if r.Code != 0 {
		t.Fatalf("discstage %v: exit %d\n%s", args, r.Code, r.Output())
	}
	return r.Output()
}
