// Package hub fans chat messages out to the clients of a room.
package hub

import (
	"context"
	"log"
	"sync"
	"time"

	"example.com/chatgw/internal/history"
)

type message struct {
	room string
	from string
	body []byte
}

// Hub owns the room membership tables. A single Hub lives for the whole process.
type Hub struct {
	mu      sync.Mutex
	rooms   map[string]map[*Client]struct{}
	clients map[*Client]struct{}

	// seen counts messages per sender inside the current rate window.
	seen     map[string]int
	lastSeen map[string]time.Time

	hist      *history.Store
	broadcast chan message
	window    time.Duration
	idle      time.Duration
}

func New(h *history.Store, window, idle time.Duration) *Hub {
	return &Hub{
		rooms:     make(map[string]map[*Client]struct{}),
		clients:   make(map[*Client]struct{}),
		seen:      make(map[string]int),
		lastSeen:  make(map[string]time.Time),
		hist:      h,
		broadcast: make(chan message, 1024),
		window:    window,
		idle:      idle,
	}
}

// Run is the fan-out loop. It returns when ctx is cancelled.
func (h *Hub) Run(ctx context.Context) {
	roll := time.NewTicker(h.window)
	defer roll.Stop()
	for {
		select {
		case <-ctx.Done():
			h.shutdown()
			return
		case <-roll.C:
			h.rollWindow()
			h.evictIdle(time.Now())
		case m := <-h.broadcast:
			h.fanout(m)
		}
	}
}

func (h *Hub) fanout(m message) {
	h.hist.Record(m.room, m.from, m.body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen[m.from]++
	for c := range h.rooms[m.room] {
		select {
		case c.send <- m.body:
		default:
			log.Printf("hub: dropping slow client %s", c.id)
		}
	}
}

// Allow reports whether sender may post again in this window.
func (h *Hub) Allow(sender string, limit int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[sender] < limit
}

// rollWindow starts a new rate window. During a raid the table holds one
// entry per connected account, hundreds of thousands of them.
func (h *Hub) rollWindow() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sender := range h.seen {
		delete(h.seen, sender)
	}
}

func (h *Hub) touch(id string) {
	h.mu.Lock()
	h.lastSeen[id] = time.Now()
	h.mu.Unlock()
}

// evictIdle forgets presence for accounts that have been quiet too long.
func (h *Hub) evictIdle(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, t := range h.lastSeen {
		if now.Sub(t) > h.idle {
			delete(h.lastSeen, id)
		}
	}
}

// shutdown closes every client; the Hub is not used afterwards.
func (h *Hub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		close(c.send)
		delete(h.clients, c)
	}
}

func (h *Hub) join(c *Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients[c] = struct{}{}
	members := h.rooms[c.room]
	if members == nil {
		members = make(map[*Client]struct{})
		h.rooms[c.room] = members
	}
	members[c] = struct{}{}
}

func (h *Hub) leave(c *Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	delete(h.rooms[c.room], c)
	if len(h.rooms[c.room]) == 0 {
		delete(h.rooms, c.room)
	}
	close(c.send)
}
