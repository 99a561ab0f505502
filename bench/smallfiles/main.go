// Command smallfiles makes a folder and writes 10,000 files of 100 bytes
// in it, the workload of package fs's BenchmarkCreate10000, for
// bench/fuse.sh to run on a mount and natively.
//
//	smallfiles DIR [N]
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: smallfiles DIR [N]")
		os.Exit(2)
	}
	dir, n := os.Args[1], 10000
	if len(os.Args) > 2 {
		var err error
		if n, err = strconv.Atoi(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "smallfiles:", err)
			os.Exit(2)
		}
	}
	if err := run(dir, n); err != nil {
		fmt.Fprintln(os.Stderr, "smallfiles:", err)
		os.Exit(1)
	}
}

func run(dir string, n int) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	data := make([]byte, 100)
	for j := 0; j < n; j++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d", j)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
