//go:build linux

package fs

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
)

// BenchmarkCopyTree copies a tree into the mount with cp -a, the
// workload of issue 18's mount row: DISCSTAGE_BENCH_TREE names it
// (default /usr/share/doc). Run it with TMPDIR on tmpfs to stage on
// tmpfs, and with -cpuprofile to see where the mount's time goes (the
// mount is served by the test process). DISCSTAGE_BENCH_OPS=1 also
// counts the FUSE requests by opcode (from go-fuse's debug log, which
// slows the mount down: take times from a run without it) and reports
// them per entry copied.
func BenchmarkCopyTree(b *testing.B) {
	src := os.Getenv("DISCSTAGE_BENCH_TREE")
	if src == "" {
		src = "/usr/share/doc"
	}
	if _, err := os.Stat(src); err != nil {
		oracle.Unavailable(b, "the tree to copy: %v", err)
	}
	entries := 0
	filepath.WalkDir(src, func(string, os.DirEntry, error) error { entries++; return nil })
	var ops *opCounter
	if os.Getenv("DISCSTAGE_BENCH_OPS") != "" {
		ops = &opCounter{n: map[string]int{}, errs: map[string]int{}, pending: map[string]string{}}
		saved := log.Writer()
		log.SetOutput(ops)
		b.Cleanup(func() { log.SetOutput(saved) })
	}
	_, mnt, _ := benchMountOpts(b, Options{Debug: ops != nil})
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		out, err := exec.Command("cp", "-a", src, filepath.Join(mnt, fmt.Sprintf("copy%d", i))).CombinedOutput()
		total += time.Since(t0)
		if err != nil {
			b.Fatalf("cp -a: %v: %s", err, out)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(entries), "entries")
	b.ReportMetric(float64(entries)*float64(b.N)/total.Seconds(), "entries/s")
	if ops != nil {
		ops.report(b, entries*b.N)
	}
}

// opCounter counts the requests of go-fuse's debug log by opcode, and
// the answers other than OK by opcode and errno.
type opCounter struct {
	mu      sync.Mutex
	buf     []byte
	n       map[string]int
	errs    map[string]int
	pending map[string]string // request ID → opcode
}

func (c *opCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p...)
	for {
		i := strings.IndexByte(string(c.buf), '\n')
		if i < 0 {
			break
		}
		c.line(string(c.buf[:i]))
		c.buf = c.buf[i+1:]
	}
	return len(p), nil
}

// line reads "rx ID: OPCODE ..." and "tx ID:     STATUS ...".
func (c *opCounter) line(l string) {
	f := strings.Fields(l)
	for i := 0; i+2 < len(f); i++ {
		switch f[i] {
		case "rx":
			c.n[f[i+2]]++
			c.pending[f[i+1]] = f[i+2]
			return
		case "tx":
			if op, ok := c.pending[f[i+1]]; ok {
				delete(c.pending, f[i+1])
				if !strings.HasPrefix(f[i+2], "OK") {
					c.errs[op+" "+f[i+2]]++
				}
			}
			return
		}
	}
}

func (c *opCounter) report(b *testing.B, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	type kv struct {
		k string
		v int
	}
	var all []kv
	total := 0
	for k, v := range c.n {
		all = append(all, kv{k, v})
		total += v
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	w := bufio.NewWriter(os.Stderr)
	for _, e := range all {
		fmt.Fprintf(w, "%-12s %8d %6.2f/entry\n", e.k, e.v, float64(e.v)/float64(entries))
	}
	fmt.Fprintf(w, "%-12s %8d %6.2f/entry\n", "total", total, float64(total)/float64(entries))
	for k, v := range c.errs {
		fmt.Fprintf(w, "  answered %-24s %8d\n", k, v)
	}
	w.Flush()
	b.ReportMetric(float64(total)/float64(entries), "requests/entry")
}

var _ io.Writer = (*opCounter)(nil)
