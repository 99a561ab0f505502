// Package cli holds the tests of the built discstage command: each runs
// the binary as a user or a script would, through internal/clitest.
package cli

import (
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// binary is the built command, for tests that start it themselves.
var binary string

func TestMain(m *testing.M) { clitest.Main(m, &binary) }
