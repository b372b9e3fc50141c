// Package export pushes aggregated points to the remote endpoint.
package export

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulseops/nodepulse/internal/agg"
)

var lineBuilders = sync.Pool{New: func() any { return new(strings.Builder) }}

var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// formatLine renders one point in the line protocol.
func formatLine(p agg.Point, ts int64) string {
	sb := lineBuilders.Get().(*strings.Builder)
	sb.WriteString(p.Series)
	sb.WriteString(",job=")
	sb.WriteString(p.Job)
	sb.WriteByte(' ')
	sb.WriteString(strconv.FormatFloat(p.Value, 'g', -1, 64))
	sb.WriteByte(' ')
	sb.WriteString(strconv.FormatInt(ts, 10))
	line := sb.String()
	lineBuilders.Put(sb)
	return line
}

// Pusher sends batches over HTTP.
type Pusher struct {
	url    string
	client *http.Client
}

// NewPusher returns a Pusher for url; an empty url discards batches.
func NewPusher(url string) *Pusher {
	return &Pusher{url: url, client: &http.Client{Timeout: 10 * time.Second}}
}

// Push sends batch.
func (p *Pusher) Push(ctx context.Context, batch []agg.Point) error {
	if p.url == "" || len(batch) == 0 {
		return nil
	}
	buf := bodyBufs.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		bodyBufs.Put(buf)
	}()
	ts := time.Now().UnixNano()
	for _, pt := range batch {
		buf.WriteString(formatLine(pt, ts))
		buf.WriteByte('\n')
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("push: %s", resp.Status)
	}
	return nil
}
