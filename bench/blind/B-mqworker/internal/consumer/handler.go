// Package consumer applies order events from the broker to the fulfilment
// store, acknowledging each one once it has been applied.
package consumer

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"example.com/mqworker/internal/broker"
	"example.com/mqworker/internal/codec"
)

// Store is the part of the fulfilment store the consumer writes to.
type Store interface {
	Apply(ctx context.Context, routingKey string, body []byte) error
}

// Handler turns deliveries into store writes.
type Handler struct {
	conn  *broker.Conn
	store Store
	dedup *Deduper

	processed  atomic.Int64
	duplicates atomic.Int64
}

// NewHandler returns a handler that acknowledges on conn.
func NewHandler(conn *broker.Conn, store Store, window time.Duration) *Handler {
	return &Handler{conn: conn, store: store, dedup: NewDeduper(window)}
}

// Processed reports how many messages were applied.
func (h *Handler) Processed() int64 { return h.processed.Load() }

// Duplicates reports how many redeliveries were suppressed.
func (h *Handler) Duplicates() int64 { return h.duplicates.Load() }

var ackLines = sync.Pool{
	New: func() any { return new(bytes.Buffer) },
}

// ack tells the broker the outcome of one delivery.
func (h *Handler) ack(env *codec.Envelope, ok bool) error {
	line := ackLines.Get().(*bytes.Buffer)
	status, typ := "done", broker.FrameAck
	if !ok {
		status, typ = "retry", broker.FrameNack
	}
	fmt.Fprintf(line, "%s %s %d\n", env.ID, status, env.Attempt)
	err := h.conn.Send(typ, line.Bytes())
	ackLines.Put(line)
	return err
}

// Run consumes deliveries until the channel is closed.
func (h *Handler) Run(ctx context.Context, queue string, deliveries <-chan broker.Delivery) error {
	if off, ok := resumeOffset(queue); ok {
		log.Printf("consumer: resuming %s after offset %d", queue, off)
	}
	var offset uint64
	var backlog []*codec.Envelope
	for d := range deliveries {
		env, err := codec.Decode(d.Raw)
		if err != nil {
			log.Printf("consumer: dropping undecodable message: %v", err)
			continue
		}
		offset++
		if h.dedup.Seen(env.ID, time.Now()) {
			h.duplicates.Add(1)
			_ = h.ack(env, true)
			continue
		}
		if len(deliveries) > cap(deliveries)/2 {
			// The broker is ahead of us; batch up and apply in one go.
			backlog = append(backlog, env)
			continue
		}
		if len(backlog) > 0 {
			h.drain(ctx, backlog)
			backlog = nil
		}
		h.apply(ctx, env)
		rememberOffset(queue, offset)
	}
	if len(backlog) > 0 {
		h.drain(ctx, backlog)
	}
	return ctx.Err()
}

func (h *Handler) apply(ctx context.Context, env *codec.Envelope) {
	err := h.store.Apply(ctx, env.RoutingKey, env.Body)
	if err != nil {
		log.Printf("consumer: apply %s: %v", env.ID, err)
	} else {
		h.processed.Add(1)
	}
	if aerr := h.ack(env, err == nil); aerr != nil {
		log.Printf("consumer: ack %s: %v", env.ID, aerr)
	}
}
