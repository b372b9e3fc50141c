// Command migrate applies the SQL files in -dir in lexical order.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	rt "runtime"

	"example.com/fleet/internal/memguard"
)

func statements(sql string) []string {
	var out []string
	for _, s := range strings.Split(sql, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func main() {
	dir := flag.String("dir", "migrations", "directory of .sql files")
	dry := flag.Bool("dry-run", false, "print statements only")
	flag.Parse()

	log.Printf("migrate: heap limit %d bytes", memguard.Apply())

	files, err := filepath.Glob(filepath.Join(*dir, "*.sql"))
	if err != nil {
		log.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		for _, stmt := range statements(string(raw)) {
			if *dry {
				log.Printf("%s: %s", filepath.Base(f), stmt)
			}
		}
		// seed files can be hundreds of MB; drop one before reading the next
		raw = nil
		rt.GC()
	}
}
