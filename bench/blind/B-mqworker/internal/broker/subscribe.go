package broker

import (
	"bytes"
	"context"
	"log"
)

// Delivery is one message handed to a consumer.
type Delivery struct {
	Queue string
	Raw   []byte
}

// Subscribe asks the broker to start pushing messages from queue and returns
// a channel of deliveries. The channel is closed when ctx is cancelled or the
// connection fails.
func (c *Conn) Subscribe(ctx context.Context, queue string) (<-chan Delivery, error) {
	if err := c.Send(FrameSubscribe, []byte(queue)); err != nil {
		return nil, err
	}
	out := make(chan Delivery, 64)
	go func() {
		defer close(out)
		for {
			typ, payload, err := c.readFrame()
			if err != nil {
				if ctx.Err() == nil {
					log.Printf("broker: subscription %q ended: %v", queue, err)
				}
				return
			}
			if typ != FrameDeliver {
				continue
			}
			select {
			case out <- Delivery{Queue: queue, Raw: payload}:
			case <-ctx.Done():
				return
			case <-c.closed:
				return
			}
		}
	}()
	return out, nil
}

// Purge drops every message currently in queue and returns once the broker
// has acknowledged the request.
func (c *Conn) Purge(queue string) error {
	if err := c.Send(FramePurge, []byte(queue)); err != nil {
		return err
	}
	for {
		typ, payload, err := c.readFrame()
		if err != nil {
			return err
		}
		if typ == FrameAck && bytes.Equal(payload, []byte(queue)) {
			return nil
		}
	}
}
