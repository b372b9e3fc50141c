package hub

import (
	"bufio"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/chatgw/internal/wsframe"
)

// Client is one websocket connection.
type Client struct {
	id    string
	room  string
	conn  net.Conn
	send  chan []byte
	done  chan struct{}
	every time.Duration
}

// ServeWS upgrades the request and serves the connection until it closes.
// It is the handler behind /ws and runs once per connection.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request) {
	conn, rw, err := wsframe.Upgrade(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c := &Client{
		id:    r.URL.Query().Get("user"),
		room:  r.URL.Query().Get("room"),
		conn:  conn,
		send:  make(chan []byte, 64),
		done:  make(chan struct{}),
		every: 30 * time.Second,
	}
	h.join(c)
	if backlog, err := h.hist.Replay(c.room); err == nil {
		c.send <- backlog
	}
	go c.writePump()
	c.heartbeat(h)
	c.readPump(h, rw.Reader)
}

// heartbeat keeps the presence table fresh while the socket is open.
func (c *Client) heartbeat(h *Hub) {
	tk := time.NewTicker(c.every)
	go func() {
		for range tk.C {
			// presence is keyed by account, not by socket
			h.touch(c.id)
		}
	}()
}

func (c *Client) writePump() {
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	defer c.conn.Close()
	for {
		select {
		case msg, ok := <-c.send:
			if !ok {
				_ = wsframe.WriteFrame(c.conn, wsframe.OpClose, nil)
				return
			}
			if err := wsframe.WriteFrame(c.conn, wsframe.OpText, msg); err != nil {
				return
			}
		case <-ping.C:
			if err := wsframe.WriteFrame(c.conn, wsframe.OpPing, nil); err != nil {
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *Client) readPump(h *Hub, br *bufio.Reader) {
	defer func() {
		close(c.done)
		h.leave(c)
	}()
	for {
		op, payload, err := wsframe.ReadFrame(br)
		if err != nil {
			log.Printf("client %s: %v", c.id, err)
			return
		}
		switch op {
		case wsframe.OpClose:
			return
		case wsframe.OpText:
			if !h.Allow(c.id, 20) {
				continue
			}
			h.broadcast <- message{room: c.room, from: c.id, body: payload}
		}
	}
}
