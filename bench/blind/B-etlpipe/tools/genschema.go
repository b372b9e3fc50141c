//go:build ignore

// genschema derives a schema file from a sample of records:
//
//	go run tools/genschema.go orders < sample.ndjson > schemas/orders.schema
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"example.com/etlpipe/internal/transform"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genschema <feed> < sample.ndjson")
		os.Exit(2)
	}
	types := map[string]string{}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		for col, v := range transform.Flatten(rec) {
			types[col] = fmt.Sprintf("%T", v)
		}
	}
	cols := make([]string, 0, len(types))
	for c := range types {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	fmt.Printf("etlpipe-schema v2 %s\n", os.Args[1])
	for _, c := range cols {
		fmt.Printf("%s:%s\n", c, types[c])
	}
}
