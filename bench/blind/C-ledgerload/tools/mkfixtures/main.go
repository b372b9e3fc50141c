//go:build ignore

// mkfixtures writes a large synthetic CSV for load tests:
//
//	go run tools/mkfixtures/main.go -n 1000000 > testdata/big.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
)

func main() {
	n := flag.Int("n", 100000, "rows")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintln(w, "account,currency,amount_minor,ref")
	for i := 0; i < *n; i++ {
		fmt.Fprintf(w, "assets:bank:%d,EUR,%d,r%d\n", i%97, i%10000-5000, i)
		fmt.Fprintf(w, "income:sales:%d,EUR,%d,r%d\n", i%13, 5000-i%10000, i)
	}
}
