// Package cli holds the tests of the built discstage command: each runs
// the binary as a user or a script would, through internal/clitest.
package cli

import (
	"fmt"
	"os"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// binary is the built command, for tests that start it themselves.
var binary string

func TestMain(m *testing.M) {
	var err error
	if binary, err = clitest.BuildOnce(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	clitest.Cleanup()
	os.Exit(code)
}
