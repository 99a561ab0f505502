package ready

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// TestMain plays the child when asked to: it says what
// READY_TEST_CHILD names and exits.
func TestMain(m *testing.M) {
	switch os.Getenv("READY_TEST_CHILD") {
	case "":
		os.Exit(m.Run())
	case "ok":
		n := FromEnv()
		if os.Getenv(Env) != "" {
			fmt.Fprintln(os.Stderr, "the variable stays in the environment")
			os.Exit(2)
		}
		n.Note("first")
		n.Note("second\nline")
		n.Ready()
		n.Fail(errors.New("after ok: ignored"))
	case "fail":
		FromEnv().Fail(errors.New("mount: refused\nbecause"))
	case "die":
		FromEnv().Note("dying")
		os.Exit(3)
	case "none":
		if FromEnv() != nil {
			os.Exit(2)
		}
		var n *Notifier
		n.Note("x")
		n.Ready()
	}
	os.Exit(0)
}

func child(t *testing.T, what string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "READY_TEST_CHILD="+what)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestReady(t *testing.T) {
	for _, c := range []struct {
		what  string
		notes []string
		err   string
	}{
		{"ok", []string{"first", "second line"}, ""},
		{"fail", nil, "mount: refused because"},
		{"die", []string{"dying"}, ErrEnded.Error()},
	} {
		t.Run(c.what, func(t *testing.T) {
			cmd := child(t, c.what)
			w, err := Start(cmd)
			if err != nil {
				t.Fatal(err)
			}
			var notes []string
			err = w.Wait(func(s string) { notes = append(notes, s) })
			cmd.Wait()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.err || fmt.Sprint(notes) != fmt.Sprint(c.notes) {
				t.Errorf("Wait: %q with notes %q; want %q with %q", got, notes, c.err, c.notes)
			}
		})
	}
	// On Unix the pipe is descriptor 3, as the tests of the mount pass
	// it by hand.
	if runtime.GOOS != "windows" {
		cmd := child(t, "ok")
		w, err := Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		if last := cmd.Env[len(cmd.Env)-1]; last != Env+"=3" {
			t.Errorf("environment: %s, want %s=3", last, Env)
		}
		if err := w.Wait(nil); err != nil {
			t.Error(err)
		}
		cmd.Wait()
	}
	// Started without a pipe, the child's Notifier is nil and does
	// nothing.
	t.Run("none", func(t *testing.T) {
		if err := child(t, "none").Run(); err != nil {
			t.Error(err)
		}
	})
}
