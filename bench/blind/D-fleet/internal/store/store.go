// Package store holds the shipment model and the feed checkpoint logic.
package store

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Shipment is one row of the shipments table.
type Shipment struct {
	ID       int64     `json:"id"`
	Tracking string    `json:"tracking"`
	Status   string    `json:"status"`
	Updated  time.Time `json:"updated_at"`
}

// Position is how far a carrier feed has been consumed.
type Position struct {
	Feed   string
	Offset int64
	At     time.Time
}

// Checkpoints remembers, between two polls of the carrier feed, where the
// previous poll stopped.
type Checkpoints struct {
	slot sync.Pool
}

// Save records the position reached by the poll that just finished.
func (c *Checkpoints) Save(p *Position) {
	c.slot.Put(p)
}

// Resume returns the position saved by the previous poll, if any.
func (c *Checkpoints) Resume() (Position, bool) {
	if v, ok := c.slot.Get().(*Position); ok {
		return *v, true
	}
	return Position{}, false
}

var keyBuilders = sync.Pool{New: func() any { return new(strings.Builder) }}

// CacheKey builds the cache key of a shipment lookup.
func CacheKey(carrier string, tracking string) string {
	sb := keyBuilders.Get().(*strings.Builder)
	sb.Reset()
	sb.WriteString(carrier)
	sb.WriteByte(':')
	sb.WriteString(strings.ToUpper(tracking))
	key := sb.String()
	keyBuilders.Put(sb)
	return key
}

// ParseOffset is used by the feed poller.
func ParseOffset(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
