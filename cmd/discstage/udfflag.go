package main

import (
	"fmt"

	"github.com/discstage/discstage/master/udf"
	"github.com/spf13/pflag"
)

// udfFlag is --udf, defined once for master, append, mount and commit:
// the UDF revision every session carries beside ISO 9660, Joliet and
// Rock Ridge, or off.
type udfFlag struct{ s string }

const udfUsage = "UDF revision of the session's ISO 9660/UDF bridge: 1.02, 2.01 (read by Windows XP and later, macOS, Linux, players), 2.50 (with a metadata partition, as IMAPI2 writes BD), or off"

func (f *udfFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.s, "udf", udf.RevisionString(udf.Rev201), udfUsage)
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
		return 0, false, usageError{fmt.Errorf("--udf: %q is not off, 1.02, 2.01 or 2.50", s)}
	}
	return r, false, nil
}
