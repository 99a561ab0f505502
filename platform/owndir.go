package platform

import "errors"

// Other users of the machine may reach the folders discstage keeps its
// own files in (a staging area, the lock folder) and the paths users
// hand it (an image, an output) by way of folders they can write, such
// as /tmp. Two checks keep them from steering discstage's writes:
//
//   - PrivateDir takes a folder of discstage's own only when it is the
//     user's and every folder on the way to it is the user's or root's
//     and writable by no one else (as ssh asks of ~/.ssh; the user's own
//     group, a user private group, is no one else), and makes the
//     folders that are missing, private. Anyone else who could write
//     there could plant a link where the journal or a lock goes, or
//     swap staged data under a commit.
//   - ResolveLinks, which resolves the links of a path where discstage
//     follows them itself (to name a target by the file it reaches, to
//     write an image through a link), applies the kernel's
//     protected_symlinks rule to each as it follows it: a link in a
//     sticky folder others can write (/tmp), owned neither by the user
//     nor by the folder's owner, is refused. It resolves each link
//     once, so what it checked is what it followed.
//
// On Windows, whose per-user folders are the user's by their ACLs and
// whose links only administrators make, PrivateDir makes the folder and
// ResolveLinks follows every link.

// maxLinks bounds the symbolic links followed in resolving one path, as
// the kernel's own limit does (ELOOP).
const maxLinks = 40

// ErrNotPrivate: a folder of discstage's own, or one on the way to it,
// is another user's or others can write it.
var ErrNotPrivate = errors.New("not a private folder")

// ErrUnsafeLink: a path leads through a symbolic link another user
// planted in a sticky folder others can write.
var ErrUnsafeLink = errors.New("not following another user's link")
