// Package staging is discstage's staging area: a persistent overlay over
// the newest session of a medium, holding what waits for the next
// session. It knows nothing of FUSE or of the operating system; package
// fs adapts it to a mount.
//
// # Data model
//
// The area keeps the whole merged view as a tree of entries, each with a
// stable 64-bit ID (the inode number the mount shows). An entry is a
// directory, a symbolic link or a regular file. A regular file's bytes
// are either on the medium (its Extents, absolute LBAs, as read from the
// newest session) or staged: a real file under the area's data/
// directory. A staged file's size and modification time are those of its
// data file, so plain writes need no bookkeeping.
//
// Deletions, renames, new directories, symbolic links and attribute
// changes are changes to this tree; a deleted disc entry simply leaves
// the tree (the overlay's whiteout), and a renamed disc file or directory
// moves with its Extents, so renaming copies no data. A disc file is
// copied to data/ ("copy-up") on its first write or truncation, never on
// open.
//
// Names a disc cannot hold are refused when they happen: names over 255
// bytes (ErrNameTooLong), hard links and special files (ErrNotSupported).
//
// # Durability
//
// The tree is stored in a bbolt database (state.db), one record per
// entry keyed by ID. Every operation that changes the tree writes the
// records it touches in one bbolt transaction, which bbolt fsyncs before
// it returns; the operation returns only then. bbolt was chosen over a
// hand-written journal because it gives atomic multi-record updates
// (rename touches two directories, the moved entry and the replaced one)
// and crash-safe recovery without replay code of our own.
//
// Data files are created before the record that names them and removed
// after the record that dropped them, so a crash leaves at worst an
// unreferenced data file, which the next Open removes. Bytes written to
// a staged file are in its data file as soon as the write returns; they
// survive a killed process (the kernel holds them) and, once fsynced,
// a reboot. Reopening the same directory over the same medium restores
// every staged change.
//
// A change counter (generation) is stored with every transaction. The
// area is "pending" while the generation differs from the one the newest
// session was written from, or while any file is staged.
//
// The cost of this guarantee is one bbolt transaction, with its fsyncs,
// per change of the tree: creating many small files is bound by the
// disk's sync latency (see the mount benchmarks in package fs).
//
// # Commit protocol
//
// StartCommit, under the area's lock: refuses when a commit runs
// (ErrBusy), when nothing is pending (ErrNothingStaged), when the medium
// is closed (ErrClosed) or when the projected session does not fit
// (ErrNoSpace); then it builds the session tree from the current state
// (disc files keep their Extents, staged files become master.FileSource
// of their data file) and freezes those data files. A later write to a
// frozen file copies it to a new data file first, so the session's bytes
// stay those of the snapshot and the write lands in the next session.
// The snapshot (generation, expected start LBA, and the staged files it
// holds) is stored as the "inflight" record before the medium is touched.
//
// A file that a caller writes directly (Handle.Pin, used for FUSE
// passthrough) cannot be frozen, since its writes bypass the area: the
// commit copies its data file instead and the file stays staged after
// the commit, so what was written meanwhile reaches the next session.
//
// The session is then written in the background by Medium.Append, which
// verifies it. On success the area reads the newest session and switches
// every file the commit wrote and nobody changed since to the medium's
// Extents, drops their data files, and stores the snapshot's generation
// as the base. Anything changed during the commit stays pending. On
// failure nothing changes but the last error.
//
// If the process dies during a commit, Open finds the inflight record:
// when the medium's newest session starts where the commit was to start,
// the session landed and Open finishes the switch; otherwise it forgets
// the record and everything stays staged.
//
// # Concurrency
//
// One mutex guards the tree. Reads and writes of staged bytes go to the
// data file's descriptor without further bookkeeping; reads of disc files
// go to the medium's ReaderAt. The commit runs without the lock except at
// its start and end.
//
// # Accounting
//
// Status reports the staged files and bytes, whether anything is pending,
// the projected size of the next session (Medium.Project, cached until
// the next change), the medium's free sectors and the running commit's
// phase, progress and ETA. Space gives statfs its numbers: the medium's
// capacity (Unbounded for image files without one) and free = capacity −
// next writable address − projected session.
package staging
