package staging

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestDataHome(t *testing.T) {
	home := func() (string, error) { return "/home/ann", nil }
	noHome := func() (string, error) { return "", errors.New("no home") }
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	for _, tc := range []struct {
		goos string
		vars map[string]string
		home func() (string, error)
		want string
		fail bool
	}{
		{"linux", map[string]string{"XDG_DATA_HOME": "/data"}, home, "/data", false},
		{"linux", nil, home, filepath.Join("/home/ann", ".local", "share"), false},
		{"linux", map[string]string{"LOCALAPPDATA": "/ignored"}, home, filepath.Join("/home/ann", ".local", "share"), false},
		{"darwin", nil, home, filepath.Join("/home/ann", ".local", "share"), false},
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\ann\AppData\Local`, "XDG_DATA_HOME": "/ignored"}, home, `C:\Users\ann\AppData\Local`, false},
		{"windows", nil, home, filepath.Join("/home/ann", "AppData", "Local"), false},
		{"windows", nil, noHome, "", true},
		{"linux", nil, noHome, "", true},
	} {
		got, err := dataHome(tc.goos, env(tc.vars), tc.home)
		if (err != nil) != tc.fail || got != tc.want {
			t.Errorf("%s %v: %q, %v; want %q (error: %v)", tc.goos, tc.vars, got, err, tc.want, tc.fail)
		}
	}
}
