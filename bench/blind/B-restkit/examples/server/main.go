// Command server is a runnable example of a restkit API: a tiny ticket
// tracker with rate limiting, NDJSON listings and filters.
//
//	go run ./examples/server
//	curl 'localhost:8080/tickets?filter=eq(status,"open")'
package main

import (
	"log"
	"net/http"
	"sync"
	"time"

	"example.com/restkit"
	"example.com/restkit/diag"
	"example.com/restkit/filter"
)

type ticketDB struct {
	mu      sync.Mutex
	tickets []restkit.Record
}

func (db *ticketDB) list(f filter.Expr) []restkit.Record {
	db.mu.Lock()
	defer db.mu.Unlock()
	var out []restkit.Record
	for _, t := range db.tickets {
		if matches(f, t) {
			out = append(out, t)
		}
	}
	return out
}

// matches understands just enough of the filter language for the example.
func matches(f filter.Expr, rec restkit.Record) bool {
	switch f.Op {
	case "":
		return true
	case "eq":
		return len(f.Args) == 2 && rec[f.Args[0].Value] == f.Args[1].Value
	case "and":
		for _, a := range f.Args {
			if !matches(a, rec) {
				return false
			}
		}
		return true
	}
	return false
}

func main() {
	db := &ticketDB{tickets: []restkit.Record{
		{"id": "1", "status": "open", "title": "Printer on fire"},
		{"id": "2", "status": "closed", "title": "VPN drops at noon"},
	}}

	r := restkit.New()
	r.HandleFunc(http.MethodGet, "/tickets", func(w http.ResponseWriter, req *http.Request) {
		var f filter.Expr
		if q := req.URL.Query().Get("filter"); q != "" {
			var err error
			if f, err = filter.Parse(q); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		if err := restkit.WriteNDJSON(w, db.list(f)); err != nil {
			log.Printf("list: %v", err)
		}
	})
	go func() {
		log.Print(http.ListenAndServe("127.0.0.1:6061", diag.Handler()))
	}()

	h := restkit.Gzip(restkit.Limit(100, time.Second, r))
	log.Print("listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", h))
}
