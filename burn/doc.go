// Package burn is discstage's burn policy: how a tree becomes a session
// on a target. Append masters the tree for the target's next writable
// address, refuses it before any write when it does not fit or the
// medium is closed, writes it, reads it back and checks it, and reports
// what it wrote; Project sizes a session without writing; Newest finds
// the session a new one builds on. The staging area's commits, the mount
// and `discstage append` all burn through it.
//
// # Where the policy lives, and why here
//
// The three layers below it each know one thing:
//
//   - master/tree is the tree model (Node, Extent, Source, SessionInfo,
//     Merge, Mirror), shared by everyone;
//   - master is the format: it lays a tree out as a session
//     (master.Layout), reads sessions back (master.ReadSession,
//     master.ListSessions) and verifies them against their MD5 tags
//     (master.Verify). It is the orchestrator of the formats: which
//     structures a session holds and in what order. It knows nothing of
//     media, targets or drives;
//   - writer holds the targets: image files, drives (writer/mmc), the
//     emulated drive (writer/mmc/emu), opened by name through one
//     registry (writer/targets). A target probes its medium, writes a
//     stream of sectors at its next writable address the way its medium
//     demands (a grown superblock, a track and a session), and reads
//     sectors back. It knows nothing of trees or checksums.
//
// What joins them, the order of a burn and the choices in it, is policy:
// close what an interrupted burn left open before mastering, so that the
// session is mastered for where the drive puts it; carry the MD5s of
// files kept from the newest session instead of reading them again;
// master with absolute Volume Space Sizes on media with a table of
// contents and session-relative ones on grown media; verify at the
// caller's level; take the session readers list as the one written
// only when it is that one. It needs both a format and a target, so it
// can live in neither: master must not import writer (targets read
// sessions through master), and writer must not decide how a session is
// mastered or checked. libisofs and libburn split the same way, the
// image builder and the burner apart, with xorriso's policy above both.
// The package depends on master, master/tree and writer; nothing below
// depends on it.
//
// # Verification
//
// There is one verify level, master.VerifyLevel, used by master.Verify,
// by Append and by `discstage verify`. A burn checks what it wrote: at
// master.VerifySession (the default) and master.VerifyFull every sector
// of the session (against its MD5 tags and checksum array, or, for a
// session written without MD5s, against a SHA-256 of the stream as it
// was written), at master.VerifyQuick its descriptors and tree, at
// master.VerifyNone nothing. Files carried over from earlier sessions
// are not read again; `discstage verify --level full` reads them. A
// session that verifies but is not where readers look for the newest
// session (the superblock, the table of contents) fails as
// writer.ErrVerify too.
//
// # Carrying MD5s forward
//
// The staging area keeps extents, not checksums, for files it carries
// over. Before mastering, Append gives each such file the MD5 that the
// newest session's checksum array records for a file with the same
// extents, so that mastering with MD5s (the default) reads no file of an
// earlier session; files it cannot match are read once by the mastering
// (master.Options.Medium).
package burn
