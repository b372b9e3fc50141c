package scrape

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

var instanceKey = []byte(`instance="`)

func (m *Manager) scrapeOnce(s *targetState) error {
	resp, err := m.client.Get(s.t.URL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}

	// Peek at the first line for the log prefix.
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	var head [96]byte
	n, _ := io.ReadFull(br, head[:])
	s.kind = firstLine(head[:n])

	payload, err := io.ReadAll(io.MultiReader(bytes.NewReader(head[:n]), br))
	if err != nil {
		return err
	}
	if inst := labelValue(payload, instanceKey); inst != nil {
		s.instance = inst
	}
	s.scrapes++
	return m.emit(s.t.Name, payload)
}

// labelValue finds key in body and returns the quoted value after it.
func labelValue(body, key []byte) []byte {
	i := bytes.Index(body, key)
	if i < 0 {
		return nil
	}
	rest := body[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil
	}
	return rest[:j]
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return b
}

func (m *Manager) emit(job string, payload []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(payload))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		sp := bytes.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		name := line[:sp]
		v, err := strconv.ParseFloat(string(line[sp+1:]), 64)
		if err != nil {
			continue
		}
		m.sink(job, string(name), v)
	}
	return sc.Err()
}
