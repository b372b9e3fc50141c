// Command mqctl is the operator's tool for poking at a queue by hand:
//
//	mqctl -broker localhost:5679 purge orders
//	mqctl peek < dead-letter.bin
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"example.com/mqworker/internal/broker"
	"example.com/mqworker/internal/codec"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: mqctl [-broker addr] purge <queue> | peek")
	os.Exit(2)
}

func main() {
	addr := flag.String("broker", "localhost:5679", "broker address")
	flag.Parse()
	if flag.NArg() < 1 {
		usage()
	}
	switch flag.Arg(0) {
	case "purge":
		if flag.NArg() != 2 {
			usage()
		}
		conn, err := broker.Dial(*addr, broker.Options{DialTimeout: 3 * time.Second})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer conn.Close()
		if err := conn.Purge(flag.Arg(1)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("purged %s\n", flag.Arg(1))
	case "peek":
		key, err := codec.PeekRoutingKey(os.Stdin)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("routing key: %s\n", key)
	default:
		usage()
	}
}
