package core

import "io/fs"

// Owner is the user who mounted. The control folder belongs to the
// owner: only the owner and root may act through ctl, whatever the
// mount options (with allow_other every local user reaches the mount,
// and a descriptor may be handed on).
type Owner struct{ UID, GID uint32 }

// MayAct reports whether the caller uid may write ctl.
func (o Owner) MayAct(uid uint32) bool { return uid == 0 || uid == o.UID }

// MayRead reports whether the caller may read a file of the owner's
// with permission bits perm, as the kernel decides with
// default_permissions.
func (o Owner) MayRead(perm fs.FileMode, uid, gid uint32) bool {
	switch {
	case uid == 0:
		return true
	case uid == o.UID:
		return perm&0o400 != 0
	case gid == o.GID:
		return perm&0o040 != 0
	}
	return perm&0o004 != 0
}
