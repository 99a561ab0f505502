// Package conformance is the test suite every mount adapter of
// discstage passes, in the style of rclone's vfstest: an adapter's test
// is a few lines calling Run with a function that mounts a staging area.
// The suite makes its own image, staging area and mount point, and
// checks through the mount alone (plain system calls, the control
// folder, and tools we did not write: xorriso, diff, cp):
//
//   - go-fuse's posixtest.All, but for the checks a disc cannot pass by
//     nature (extended attributes), each replaced by a check of the
//     clear errno;
//   - the disc-specific errno checks: names over 255 bytes, special
//     files, the hidden control folder, and the control folder and
//     sessions refusing every change (EPERM, EROFS);
//   - commit and remount end to end: a tree copied in, committed,
//     changed, committed again, each session compared by xorriso and
//     served under .discstage/sessions; discard; a remount shows the
//     same view.
//
// An adapter names the cases it does not pass in Adapter.Limits, each
// with the reason: that is its documented limitation, and the suite
// skips the case saying so.
package conformance
