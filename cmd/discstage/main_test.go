package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the discstage command built once for the tests that run it
// as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "discstage-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "discstage")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs discstage and returns its output and exit code.
func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("discstage %v: %v", args, err)
	}
	return string(out), code
}

// mustRun runs discstage and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, code := run(t, args...)
	if code != 0 {
		t.Fatalf("discstage %v: exit %d\n%s", args, code, out)
	}
	return out
}
