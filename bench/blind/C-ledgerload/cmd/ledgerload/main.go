// Command ledgerload imports ledger postings from CSV files.
//
//	ledgerload import [-batch N] FILE...
//	ledgerload serve  [-addr :8080] [-spool DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"example.com/fin/ledgerload/internal/importer"
	"example.com/fin/ledgerload/internal/ledger"
	"example.com/fin/ledgerload/internal/server"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: ledgerload import FILE... | ledgerload serve [flags]")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch os.Args[1] {
	case "import":
		fs := flag.NewFlagSet("import", flag.ExitOnError)
		batch := fs.Int("batch", 500, "postings per commit")
		_ = fs.Parse(os.Args[2:])
		book := ledger.NewBook()
		im := importer.New(book, *batch)
		for _, path := range fs.Args() {
			st, err := im.ImportFile(ctx, path)
			if err != nil {
				log.Fatalf("%s: %v", path, err)
			}
			fmt.Printf("%s: %d postings, %d duplicates\n", path, st.Postings, st.Duplicates)
		}
		book.Render(os.Stdout)
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ExitOnError)
		cfg := server.Config{}
		fs.StringVar(&cfg.Addr, "addr", ":8080", "listen address")
		fs.StringVar(&cfg.Spool, "spool", os.Getenv("LEDGER_SPOOL"), "spool directory")
		fs.IntVar(&cfg.Batch, "batch", 500, "postings per commit")
		fs.BoolVar(&cfg.TraceAllocs, "trace-allocs", false, "record allocation sites for /debug/heap")
		_ = fs.Parse(os.Args[2:])
		if err := server.Run(ctx, cfg); err != nil {
			log.Fatal(err)
		}
	default:
		usage()
	}
}
