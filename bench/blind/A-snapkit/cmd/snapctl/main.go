// Command snapctl builds and checks snapshot manifests on the local machine.
//
//	snapctl pack [-v] [-memprofile file] DIR...
//	snapctl depth PATH...
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	rt "runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"example.com/snapkit/internal/walk"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: snapctl pack [-v] [-memprofile file] DIR...\n       snapctl depth PATH...")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "pack":
		err = pack(os.Args[2:])
	case "depth":
		for _, p := range os.Args[2:] {
			fmt.Printf("%d\t%s\n", walk.Depth(p), p)
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "snapctl:", err)
		os.Exit(1)
	}
}

func pack(args []string) error {
	fs := flag.NewFlagSet("pack", flag.ExitOnError)
	verbose := fs.Bool("v", false, "print per-directory timing and heap size")
	memprofile := fs.String("memprofile", "", "write a heap profile to this file")
	out := fs.String("o", "MANIFEST", "manifest to write")
	_ = fs.Parse(args)

	if *memprofile != "" {
		// Finer sampling than the default so that the per-file buffers in
		// walk show up in the profile.
		rt.MemProfileRate = 4 << 10
	}

	var done atomic.Int64
	start := time.Now()
	go func() {
		for range time.Tick(2 * time.Second) {
			fmt.Fprintf(os.Stderr, "\r%d/%d trees, %s", done.Load(), fs.NArg(), time.Since(start).Round(time.Second))
		}
	}()

	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()

	var ms rt.MemStats
	for _, root := range fs.Args() {
		t0 := time.Now()
		sum, files, err := walk.Tree(root)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "# %s %x\n", filepath.Clean(root), sum)
		for _, e := range files {
			fmt.Fprintf(f, "%x\n", e.Digest)
		}
		done.Add(1)

		if *verbose {
			rt.GC()
			rt.ReadMemStats(&ms)
			fmt.Fprintf(os.Stderr, "%s: %d files in %s, heap %d KiB\n",
				root, len(files), time.Since(t0).Round(time.Millisecond), ms.HeapAlloc>>10)
		}
	}

	if *memprofile != "" {
		pf, err := os.Create(*memprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.WriteHeapProfile(pf); err != nil {
			return err
		}
		rt.MemProfileRate = 512 * 1024
	}
	fmt.Fprintln(os.Stderr)
	return nil
}
