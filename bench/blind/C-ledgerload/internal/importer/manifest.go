package importer

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Manifest describes an export file produced by the upstream bank system.
// The file is a free-form text report; we keep only the fields we check.
type Manifest struct {
	Source   string
	Rows     int
	Checksum []byte
}

var (
	keySHA  = []byte("sha256: ")
	keyRows = []byte("rows: ")
	keySrc  = []byte("source: ")
)

// LoadManifest parses path.
func LoadManifest(path string) (*Manifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := &Manifest{}
	for _, line := range bytes.Split(raw, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		switch {
		case bytes.HasPrefix(line, keyRows):
			v := line[len(keyRows):]
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return nil, fmt.Errorf("manifest rows: %w", err)
			}
			m.Rows = n
		case bytes.HasPrefix(line, keySrc):
			m.Source = string(line[len(keySrc):])
		case bytes.HasPrefix(line, keySHA):
			sum := line[len(keySHA):]
			if len(sum) != 64 {
				return nil, fmt.Errorf("manifest: bad checksum length %d", len(sum))
			}
			m.Checksum = sum
		}
	}
	return m, nil
}
