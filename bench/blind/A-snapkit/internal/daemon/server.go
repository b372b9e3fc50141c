// Package daemon implements snapd's line protocol.
//
// A client connects, sends one command per line and reads one reply line per
// command:
//
//	LEN                 -> "OK <n>"
//	CHUNK <i>           -> "OK <id>" | "ERR not found"
//	RELOAD              -> "OK"
//	COMPACT             -> "OK scanned=<n> removed=<n> shared=<n>"
//	DUMP                -> "OK <base64 gzip of the manifest>"
package daemon

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"example.com/snapkit/internal/store"
)

// idlePing is how often a connection is sent a keepalive comment line.
const idlePing = 30 * time.Second

var gzips = sync.Pool{
	New: func() any { return gzip.NewWriter(io.Discard) },
}

// Server serves one Store over a listener.
type Server struct {
	st     *store.Store
	active atomic.Int64
	served atomic.Int64
}

// New returns a Server for st.
func New(st *store.Store) *Server { return &Server{st: st} }

// Stats reports active and total connections.
func (s *Server) Stats() (active, total int64) { return s.active.Load(), s.served.Load() }

// Serve accepts connections on ln until it is closed.
func (s *Server) Serve(ln net.Listener) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		s.served.Add(1)
		s.active.Add(1)
		go s.handle(conn)
		go s.keepalive(conn)
	}
}

// keepalive writes a comment line periodically so that NAT boxes between
// long-lived clients and snapd do not drop idle connections.
func (s *Server) keepalive(conn net.Conn) {
	t := time.NewTicker(idlePing)
	for range t.C {
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(conn, "# ping\n")
	}
}

func (s *Server) handle(conn net.Conn) {
	defer s.active.Add(-1)
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if err != io.EOF {
				log.Printf("%s: %v", conn.RemoteAddr(), err)
			}
			return
		}
		reply := s.exec(strings.Fields(line))
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, reply+"\n"); err != nil {
			return
		}
	}
}

func (s *Server) exec(args []string) string {
	if len(args) == 0 {
		return "ERR empty command"
	}
	switch strings.ToUpper(args[0]) {
	case "LEN":
		return "OK " + strconv.Itoa(s.st.Len())
	case "CHUNK":
		if len(args) != 2 {
			return "ERR usage: CHUNK <i>"
		}
		i, err := strconv.Atoi(args[1])
		if err != nil {
			return "ERR " + err.Error()
		}
		id, ok := s.st.Chunk(i)
		if !ok {
			return "ERR not found"
		}
		return "OK " + id
	case "RELOAD":
		if err := s.st.Reload(); err != nil {
			return "ERR " + err.Error()
		}
		return "OK"
	case "COMPACT":
		cs, err := s.st.Compact()
		if err != nil {
			return "ERR " + err.Error()
		}
		return fmt.Sprintf("OK scanned=%d removed=%d shared=%d", cs.Scanned, cs.Removed, cs.Shared)
	case "DUMP":
		out, err := s.dump()
		if err != nil {
			return "ERR " + err.Error()
		}
		return "OK " + out
	}
	return "ERR unknown command " + strconv.Quote(args[0])
}

// dump returns the manifest gzipped and base64-encoded.
func (s *Server) dump() (string, error) {
	var buf bytes.Buffer
	zw := gzips.Get().(*gzip.Writer)
	zw.Reset(&buf)
	for i := 0; i < s.st.Len(); i++ {
		id, _ := s.st.Chunk(i)
		if _, err := io.WriteString(zw, id+"\n"); err != nil {
			gzips.Put(zw)
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	gzips.Put(zw)
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
