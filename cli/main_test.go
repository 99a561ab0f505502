// Package cli holds the tests of the built discstage command: each runs
// the binary as a user or a script would, through internal/clitest.
package cli

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
