// Package history keeps a bounded, per-room backlog of recent messages that
// is replayed to clients when they join.
package history

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"
)

const previewBytes = 96

// Entry is one remembered message.
type Entry struct {
	From    string    `json:"from"`
	At      time.Time `json:"at"`
	Preview []byte    `json:"preview"`
}

// Store is shared by every connection for the life of the process.
type Store struct {
	mu      sync.Mutex
	perRoom int
	rooms   map[string][]Entry
	last    map[string][]byte // last raw attachment per room, for link unfurling
}

func New(perRoom int) *Store {
	return &Store{perRoom: perRoom, rooms: make(map[string][]Entry), last: make(map[string][]byte)}
}

func clip(p []byte, n int) []byte {
	if len(p) > n {
		return p[:n]
	}
	return p
}

// Record stores the head of a frame payload. The payload itself belongs to
// the read loop and is dropped as soon as the frame has been fanned out.
func (s *Store) Record(room, from string, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := Entry{From: from, At: time.Now()}
	e.Preview = clip(payload, previewBytes)
	list := append(s.rooms[room], e)
	if len(list) > s.perRoom {
		list = list[len(list)-s.perRoom:]
	}
	s.rooms[room] = list
}

// Attach reads an uploaded attachment and remembers only its signature
// bytes, which the unfurler uses to sniff the content type.
func (s *Store) Attach(room string, body io.Reader) error {
	blob, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	sig := make([]byte, 16)
	n := copy(sig, blob)
	sig = sig[:n]
	s.mu.Lock()
	s.last[room] = sig
	s.mu.Unlock()
	return nil
}

// Trim drops all but the newest keep entries of every room.
func (s *Store) Trim(keep int) (dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for room, list := range s.rooms {
		if len(list) <= keep {
			continue
		}
		dropped += len(list) - keep
		fresh := make([]Entry, keep)
		copy(fresh, list[len(list)-keep:])
		s.rooms[room] = fresh
	}
	return dropped
}

var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Replay renders a room's backlog as one JSON array for a joining client.
func (s *Store) Replay(room string) ([]byte, error) {
	s.mu.Lock()
	list := append([]Entry(nil), s.rooms[room]...)
	s.mu.Unlock()

	buf := jsonBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer jsonBufs.Put(buf)
	if err := json.NewEncoder(buf).Encode(list); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}
