// Package underwine runs the command built for Windows under Wine. It is
// a package of its own, apart from the other tests of the command in
// cli, so that its long Wine start runs alongside them and has a test
// binary's time-out to itself.
package underwine

import (
	"os"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	clitest.Cleanup()
	os.Exit(code)
}
