package main

import (
	"fmt"

	"github.com/discstage/discstage/master/udf"
	"github.com/spf13/pflag"
)

// udfFlag is --udf, defined once for master, append, mount, commit and
// eject: the UDF revision every session carries beside ISO 9660, Joliet
// and Rock Ridge, or off. It is a pflag.Value, so a bad revision is a
// usage error of every command that takes it, found while the command
// line is read, before anything is opened.
type udfFlag struct{ s string }

var _ pflag.Value = (*udfFlag)(nil)

func (f *udfFlag) String() string { return f.s }
func (f *udfFlag) Type() string   { return "revision" }

// Set takes off, 1.02, 2.01 or 2.50.
func (f *udfFlag) Set(s string) error {
	if _, _, err := parseUDF(s); err != nil {
		return err
	}
	f.s = s
	return nil
}

const udfUsage = "UDF revision of the session's ISO 9660/UDF bridge: 1.02, 2.01 (read by Windows XP and later, macOS, Linux, players), 2.50 (with a metadata partition, as IMAPI2 writes BD), or off"

func (f *udfFlag) register(fs *pflag.FlagSet) {
	f.s = udf.RevisionString(udf.Rev201)
	fs.Var(f, "udf", udfUsage)
}

// revision reads the flag: the revision, or off.
func (f *udfFlag) revision() (rev uint16, off bool, err error) {
	return parseUDF(f.s)
}

// parseUDF reads a --udf value: off, 1.02, 2.01 or 2.50.
func parseUDF(s string) (rev uint16, off bool, err error) {
	if s == "off" {
		return 0, true, nil
	}
	r, err := udf.ParseRevision(s)
	if err != nil {
		return 0, false, usageError{fmt.Errorf("%q is not off, 1.02, 2.01 or 2.50", s)}
	}
	return r, false, nil
}
