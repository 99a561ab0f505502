package tree

import "testing"

// A path is quoted when a name in it, not only its last, starts or ends
// with a space ("/x /y" is not "/x/y"), or when it holds a control
// character (an escape sequence would reach the terminal).
func TestQuotePath(t *testing.T) {
	for in, want := range map[string]string{"/a b": "/a b", "/a\nb": `"/a\nb"`, "/x ": `"/x "`,
		"/x /y": `"/x /y"`, "/d/ y/z": `"/d/ y/z"`, "/a b/c d": "/a b/c d",
		"/ctl\x1b[31mRED\x01": `"/ctl\x1b[31mRED\x01"`, "/café": "/café",
		"/csi\x9b31m": `"/csi\x9b31m"`, "/c1\u009b31m": `"/c1\u009b31m"`, "/rlo\u202etxt.exe": `"/rlo\u202etxt.exe"`} {
		if got := QuotePath(in); got != want {
			t.Errorf("QuotePath(%q) = %s, want %s", in, got, want)
		}
	}
}
