package master

import "github.com/discstage/discstage/master/tree"

// wProgress tells Options.Progress how far Layout went through the
// tree: the bytes of the regular files it checked, of those the tree
// holds. It reports at most about a hundred times, and the total once
// the session is placed.
type wProgress struct {
	fn          func(done, total int64)
	done, total int64
	step, shown int64
}

// newWProgress counts the bytes of root's regular files and reports 0
// of them; nil when fn is nil.
func newWProgress(root *tree.Node, fn func(done, total int64)) *wProgress {
	if fn == nil {
		return nil
	}
	p := &wProgress{fn: fn, total: fileBytes(root)}
	p.step = max(p.total/100, 1)
	fn(0, p.total)
	return p
}

// fileBytes is the size of the regular files under n.
func fileBytes(n *tree.Node) int64 {
	var b int64
	for _, c := range n.Children {
		switch {
		case c == nil:
		case c.IsDir():
			b += fileBytes(c)
		case c.IsRegular() && c.Size > 0:
			b += c.Size
		}
	}
	return b
}

// add counts a file of size bytes checked.
func (p *wProgress) add(size int64) {
	if p == nil || size <= 0 {
		return
	}
	p.done = min(p.done+size, p.total)
	if p.done-p.shown >= p.step && p.done < p.total {
		p.shown = p.done
		p.fn(p.done, p.total)
	}
}

// end reports the total: the layout is done.
func (p *wProgress) end() {
	if p != nil {
		p.fn(p.total, p.total)
	}
}
