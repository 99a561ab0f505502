package udf

import (
	"errors"
	"fmt"
)

// Errors callers test for. Every error the package returns wraps one of
// them, with the operation and the block where it happened.
var (
	// ErrNotUDF: no anchor volume descriptor pointer leads to a UDF
	// volume descriptor sequence.
	ErrNotUDF = errors.New("udf: no UDF volume")
	// ErrCorrupt: a descriptor or structure is damaged or inconsistent.
	ErrCorrupt = errors.New("udf: corrupt structure")
	// ErrUnsupported: a valid UDF feature discstage does not handle
	// (another block size, several volumes, strategy 4096 chains).
	ErrUnsupported = errors.New("udf: unsupported")
	// ErrNoDescriptor: a block that should hold a descriptor is blank.
	ErrNoDescriptor = errors.New("udf: no descriptor recorded")
	// ErrTooLarge: a structure asks for more than the reader allows
	// itself to hold (see Limits).
	ErrTooLarge = errors.New("udf: structure too large")
)

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

func unsupportedf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}
