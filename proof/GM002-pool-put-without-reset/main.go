// Command gm002 renders a private page per user with a pooled bytes.Buffer that
// is put back without a reset, so each page starts with the previous user's page.
//
// Metric: bytes of other users' data in the pages served (page length minus the
// length of the page this user should have got), summed over all requests.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// renderPage writes one user's page, token included.
func renderPage(user, token string) string {
	b := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(b)
	b.WriteString("<p>user ")
	b.WriteString(user)
	b.WriteString(", your token is ")
	b.WriteString(token)
	b.WriteString("</p>\n")
	return b.String()
}

func main() {
	requests := 2000
	if os.Getenv("PROOF_SIZE") == "small" {
		requests = 300
	}
	leaked, exposed := 0, 0
	for i := 0; i < requests; i++ {
		user, token := "u"+strconv.Itoa(i), strconv.Itoa(i*7919)
		page := renderPage(user, token)
		want := len("<p>user ") + len(user) + len(", your token is ") + len(token) + len("</p>\n")
		if extra := len(page) - want; extra > 0 {
			leaked += extra
			exposed++
		}
	}
	report("foreign_bytes_served", "bytes", "lower", float64(leaked))
	report("requests_seeing_another_user", "count", "lower", float64(exposed))
}

// report prints one measurement as the machine-readable line proof/run reads.
func report(metric, unit, better string, value float64) {
	line, _ := json.Marshal(map[string]any{"metric": metric, "unit": unit, "better": better, "value": value})
	fmt.Printf("PROOF %s\n", line)
}
