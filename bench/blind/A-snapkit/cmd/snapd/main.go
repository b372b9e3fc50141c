// Command snapd serves a snapshot store over TCP.
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/snapkit/internal/daemon"
	"example.com/snapkit/internal/store"
)

func main() {
	dataDir := flag.String("data", "/var/lib/snapd", "store directory")
	listen := flag.String("listen", ":7420", "listen address")
	idleAfter := flag.Duration("idle-release", 10*time.Minute, "release memory after this long without connections")
	flag.Parse()

	st, err := store.Open(*dataDir)
	if err != nil {
		log.Fatalf("open store: %v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	srv := daemon.New(st)
	log.Printf("snapd: serving %s (%d chunks) on %s", *dataDir, st.Len(), ln.Addr())

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)

	go func() {
		if err := srv.Serve(ln); err != nil {
			log.Printf("serve: %v", err)
		}
	}()

	idle := time.NewTicker(*idleAfter)
	defer idle.Stop()
	var lastTotal int64
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				if err := st.Reload(); err != nil {
					log.Printf("reload: %v", err)
				}
				continue
			}
			log.Printf("snapd: %v, exiting", sig)
			_ = ln.Close()
			return
		case <-idle.C:
			active, total := srv.Stats()
			if active == 0 && total == lastTotal {
				st.Release()
			}
			lastTotal = total
		}
	}
}
