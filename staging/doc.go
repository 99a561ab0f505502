// Package staging is discstage's staging area: a persistent overlay over
// the newest session of a medium, holding what waits for the next
// session. It knows nothing of FUSE or of the operating system; package
// fs adapts it to a mount.
//
// # Data model
//
// The area keeps the whole merged view as a tree of entries, each with a
// stable 64-bit ID (the inode number the mount shows). An entry is a
// directory, a symbolic link, a regular file or a special file (device
// node, named pipe, socket: Rock Ridge records their type and device
// number). A file other than a directory may have several names (hard
// links): the entry keeps its first name and a list of further ones,
// each a key of its directory, and goes to the disc as one file (data
// written once, one Rock Ridge serial number, the link count); a
// session read back gives such names one entry again. A regular file's bytes
// are either on the medium (its Extents, absolute LBAs, as read from the
// newest session) or staged: a real file under the area's data/
// directory. A disc file whose UDF file entry embeds its data has no
// extent: the entry keeps those few bytes itself (inline.go). A staged file's size and modification time are those of its
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
// bytes (ErrNameTooLong), and new names, or new symbolic links' targets,
// that are not UTF-8 (ErrNotUTF8), which a disc reads back as others.
//
// Every file of the newest session is an entry in memory and a record
// of the journal's snapshot, read whole when the area opens (see
// bench/million.sh for what that costs on a disc of a million files).
// An entry is kept small for that (144 bytes: times as Unix nanoseconds,
// what few entries have or use in structs made when needed), entries
// in a slice indexed by ID (entries.go); TestManyFiles bounds the heap
// an open area holds per file on the disc. An area opened again is
// rebuilt from its journal alone, read a megabyte at a time, each entry
// made as its record is read (unframe.go): the newest session's tree is
// read only when the medium lists a session other than the base
// (baseListedNewest). The entries of such a load come from slabs whose
// memory is backed in one request (internal/slab): the
// first touch of each page cost more than making the entry.
//
// # Durability
//
// The tree is stored in a journal of our own, state.journal. Each
// operation that changes the tree appends one record: a little-endian
// uint32 payload length, the CRC-32C (Castagnoli) of the payload, and
// the payload, a JSON object naming the entries the operation stored
// (rename touches two directories, the moved entry and the replaced
// one, all in one record), the IDs it deleted and the change counter.
// The payload is encoded by hand, as encoding/json would (frame.go),
// and read by hand when it has that exact form, with encoding/json
// otherwise (unframe.go). The record is written with one plain
// write(2) before the operation returns, but not synced: a per-operation fsync (two, with the bbolt
// database used before) bounded creating small files by the disk's
// sync latency, far below native speed.
//
// The journal is synced (fsync) when the user fsyncs any staged file
// or directory through the mount, when a commit stores its snapshot and
// when it switches the base (see below), on Close, and by a background
// flusher at most one second after a record that is not yet synced was
// written, like a file system's commit interval. So:
//
//   - a killed process (kill -9) loses nothing: the kernel holds every
//     record written;
//   - an unmount, a clean shutdown or a reboot loses nothing: Close
//     syncs, and the kernel writes back what it holds when it shuts
//     down;
//   - a power loss or kernel crash loses at most the changes of about
//     the last second that nobody fsynced, just as it loses the bytes
//     of staged files the kernel had not yet written back.
//
// Open replays the records in order and stops at the first one that is
// short, fails its checksum or does not decode: a torn tail after a
// power loss, or damage. The journal is cut there (and synced), the
// area goes on with the state so far, and Open logs a warning and
// reports what it cut through Area.Recovery. The state replayed must
// still form one tree under the root, or Open fails with an error
// naming what is wrong; a damaged journal never panics (FuzzJournal).
//
// The journal is compacted when it grows past four times its last
// snapshot (and past 1 MiB), and after every base switch: a snapshot of
// the whole state is written to state.journal.new, synced, renamed over
// state.journal, and the directory synced. A crash at any point leaves
// either the old or the new journal whole; Open removes a leftover
// state.journal.new. The compaction for size runs in the background:
// the change that makes the journal due for it only takes the
// snapshot's entries, and changes made while it runs go to the old
// journal and to the new one after the snapshot; a sync is never
// reported done for a journal whose rename is not yet durable
// (compact.go).
//
// A new area starts from the medium's newest session. Its entries are
// made from the session's tree a directory at a time, each directory's
// nodes let go once made and the heap collected every so many entries
// (resetView): on a disc of a million files the tree and the entries,
// about 250 MB each, are never both whole in memory. Its first snapshot
// is that session's tree: for a disc of a million files over a
// hundred megabytes, written and synced in the background so that the
// mount serves at once. Its journal holds no record until the snapshot
// is in, and an area left so (a killed process) starts from the medium
// again. Nothing changes the view meanwhile: the first change, commit or
// discard waits for the snapshot (Area.settle), as it waits for Open's
// probe of whether the medium is closed, which on a grown image reads
// every session's tree.
//
// # A full file system
//
// The area keeps space for its journal in a reserve file of zeros,
// state.reserve (twice the last snapshot and more, at least 1 MiB,
// written out, not sparse). When the file system under the area is
// full, a record that deletes or moves entries, a commit's records and
// a snapshot (compaction, discard) give up as much of the reserve as
// they need and are written again, so rm, rm -rf, rename, discard and
// commit work on a full disk and free its space; the reserve is topped
// up again as space comes back. Everything else (new files and
// directories, writes, attribute changes) fails with ErrAreaFull
// (ENOSPC through the mount), whose message names the area and its
// free space; the same message is kept as the status's last error.
//
// A lock on state.lock keeps a second process from opening the area
// (ErrLocked). Inspect tells, under that lock, whether an area holds
// staged changes and how many, from its journal, changing nothing (a
// torn tail stays, no commit is finished, nothing is rebased): for
// commands that would lose them by erasing the medium. An area made with the bbolt store (state.db) is refused
// with ErrOldFormat rather than opened empty.
//
// Data files are created before the record that names them and removed
// after the record that dropped them, so a crash leaves at worst an
// unreferenced data file, which the next Open removes. A new file's
// empty data file comes from a pool of a few made ahead in the
// background (datapool.go): a file the pool holds is no record's, and
// the area's collection counts it as used until Create takes it. Bytes written to
// a staged file are in its data file as soon as the write returns; they
// survive a killed process (the kernel holds them) and, once fsynced,
// a power loss. Reopening the same directory over the same medium
// restores every staged change.
//
// A change counter (generation) is stored with every record. The area
// is "pending" while the generation differs from the one the newest
// session was written from, or while any file is staged.
//
// # Commit protocol
//
// StartCommit probes the medium and reads its newest session, then,
// under the area's lock: refuses when a commit runs
// (ErrBusy), when nothing is pending (ErrNothingStaged), when the medium
// is closed (ErrClosed) or when the projected session does not fit
// (ErrNoSpace); waits for files open for writing (below); then it builds the session tree from the current state
// (disc files keep their Extents, staged files become tree.DataFile
// of their data file) and freezes those data files (writes under way
// end first); the session's size is projected after the lock is let
// go again. A later write to a
// frozen file copies it to a new data file first, so the session's bytes
// stay those of the snapshot and the write lands in the next session.
// The snapshot (generation, expected start LBA, and the staged files it
// holds) is appended to the journal as the "inflight" record and synced
// before the medium is touched.
//
// A file that a caller writes directly (Handle.Pin, used for FUSE
// passthrough) cannot be frozen, since its writes bypass the area: the
// commit copies its data file instead and the file stays staged after
// the commit, so what was written meanwhile reaches the next session. A
// file pinned only by handles open for reading is copied too, but goes to
// the medium like any other when nothing wrote it meanwhile; its data
// file stays, as the entry's cache, for the handles using it until they
// close (a writer arriving first stages the cache again).
//
// # Files open for writing
//
// Handles say whether they may write (OpenFile's write, Create). Before
// it takes its snapshot, StartCommit looks for staged files of the view
// open for writing: a copy still running would otherwise be burned half
// written. It then waits in the background (State "waiting", Status
// lists them in OpenForWriting with their growing sizes) until the last
// such handle is released, and takes the snapshot then; after
// CommitOptions.WaitOpen (DefaultWaitOpen) it gives up with
// ErrOpenForWriting, keeps the list in Status.GaveUpOn, and writes nothing. With
// CommitOptions.Now it takes the files as they are and lists them, with
// the size written, in Status.Partial. Handles open only for reading
// never delay a commit. Closing the area ends a wait.
//
// A program may also write a staged file through a mount of the area
// whose process was killed: the kernel keeps the file's data file open
// for it in passthrough mode, and its writes succeed. The mark a write
// handle puts on its data file (platform.MarkWriting) outlives the
// process with that open file; Open finds the files still marked
// (platform.StillWriting), and a commit waits for them as for the
// view's own, looking every endedPoll (nothing tells when they close),
// lists them with OpenFile.MountEnded, and with CommitOptions.Now
// commits a copy of each and keeps it staged.
//
// The session is then written in the background by Medium.Append, which
// verifies it. On success the area reads the newest session and switches
// every file the commit wrote and nobody changed since to the medium's
// Extents, drops their data files, and stores the snapshot's generation
// as the base: the journal is rewritten as a snapshot of the new state
// (synced, renamed over the journal, the directory synced, as
// compaction does) before the area goes on; should that fail, the
// switch is appended as one record and synced instead. Anything changed during the commit stays pending. On
// failure nothing changes but the last error.
//
// Before it builds the snapshot, StartCommit re-reads the medium: when
// its newest session is no longer the base (xorriso, growisofs or another
// machine wrote one), the staged changes are first rebased onto it, a
// three-way merge per path of base, staged state and new session in
// which staging wins where both sides changed a path; such paths are
// reported as Conflicts in the status (rebase.go). Open rebases the same
// way instead of refusing an area whose base is no longer the newest
// session; only a medium that reads blank under staged changes is
// refused (ErrBaseChanged), and another disc (ErrOtherDisc): one on
// which the base session lies where it was with another head (its
// volume descriptors, recorded with the base, which tell apart two discs
// whose sessions lie alike, as small sessions do), or is not listed any
// more and its root directory no longer lies where it did (growing a
// plain image elsewhere hides its session but leaves its tree; another
// image under the name does not), or, on write-once media, is gone.
// Other discstage processes cannot write the
// medium meanwhile: the command line holds a lock per target for a
// mount's lifetime and for every writing command.
//
// If the process dies during a commit, Open finds the inflight record:
// when the medium's newest session starts where the commit was to start,
// holds the commit's time and the files it wrote, the session landed,
// perhaps before it was verified; Open verifies it as the commit would
// have (WrittenChecker: every sector against the session's checksums)
// and finishes the switch only if it passes. A session that does not
// verify is recorded as a failed one, as a commit whose verification
// fails leaves it, and the changes stay staged for the next commit; one
// that holds no checksums, which every commit writes, is another
// program's, and a medium that cannot be read fails the opening, the
// record kept for the next. Otherwise Open forgets the record and everything stays staged (rebased
// onto the session another program wrote there meanwhile). Resumed says
// which of these happened.
//
// # Concurrency
//
// One mutex guards the tree, and nothing slower than a small system
// call on local disk runs under it: copy-ups, writes of file data,
// probing the medium and projecting a session run without it, so
// lookups, getattr, readdir and statfs answer while a large disc file is
// copied up or a commit starts (unlocked.go says how, and the lock
// order). Reads and writes of staged bytes go to the data file's
// descriptor without further bookkeeping; reads of disc files go to the
// medium's ReaderAt. The commit runs without the lock except at its
// start and end. The medium's facts (free space, sessions) are cached
// for statfs and status and read again after a commit, a discard, or
// two seconds.
//
// # Outcomes
//
// A commit may carry an ID (CommitOptions.ID). Status.Outcomes keeps the
// last commits' outcomes by ID: refused (with the reason, when StartCommit
// fails), running, failed, or done with the session it wrote. Whoever
// asked for a commit reads its own outcome there; a refusal because a
// commit runs touches neither that commit's outcome nor LastError.
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
