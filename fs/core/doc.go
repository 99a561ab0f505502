// Package core is what every mount adapter of discstage shares, with no
// FUSE library and no operating system in it: the control folder's
// verbs and the eject policy (Control), the status file's content
// (StatusJSON), the read-only view of the medium's sessions served from
// master's Session.FS (Sessions), who may act through the control
// folder (Owner), and the classification of staging's errors into
// portable kinds (KindOf), from which each adapter builds its errno in
// one table of its own.
//
// Package fs (go-fuse, node-based) and package fs/cgofuse (path-based,
// for Windows, macOS and Linux) are thin adapters over it and over
// staging; fs/conformance is the test suite both run.
//
// # Errors
//
// KindOf looks an error up in one table of staging's exported sentinels
// (and io/fs's), built once. staging gives errors of the medium below it
// (package writer) their staging equivalents, so nothing above staging
// needs to know the targets. An adapter maps each Kind to its own errno
// and passes an operating-system errno found in the chain through; an
// error of no kind is logged and becomes EIO.
package core
