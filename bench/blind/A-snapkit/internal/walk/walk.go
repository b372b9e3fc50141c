// Package walk computes content digests of directory trees.
package walk

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"sort"
)

// maxFanout is how many child digests are combined per directory before the
// directory digest is folded; larger directories fold in rounds.
const maxFanout = 128

// Entry is one file in a tree listing.
type Entry struct {
	Path   string
	Size   int64
	Digest [32]byte
}

// Tree walks root and returns its Merkle digest together with the list of
// regular files beneath it. Symlinks are not followed.
func Tree(root string) ([32]byte, []Entry, error) {
	var files []Entry

	var digestDir func(dir string) ([32]byte, error)
	digestDir = func(dir string) ([32]byte, error) {
		var block [maxFanout * 32]byte
		var out [32]byte

		ents, err := os.ReadDir(dir)
		if err != nil {
			return out, err
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })

		n := 0
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			var sum [32]byte
			switch {
			case e.IsDir():
				sum, err = digestDir(p)
			case e.Type().IsRegular():
				sum, err = fileDigest(p)
				if err == nil {
					info, _ := e.Info()
					var size int64
					if info != nil {
						size = info.Size()
					}
					files = append(files, Entry{Path: p, Size: size, Digest: sum})
				}
			default:
				continue
			}
			if err != nil {
				return out, err
			}
			copy(block[n*32:], sum[:])
			n++
			if n == maxFanout {
				out = fold(out, block[:n*32])
				n = 0
			}
		}
		return fold(out, block[:n*32]), nil
	}

	sum, err := digestDir(root)
	return sum, files, err
}

// fold chains acc with the next run of child digests.
func fold(acc [32]byte, chunk []byte) [32]byte {
	buf := make([]byte, 0, len(acc)+len(chunk))
	buf = append(buf, acc[:]...)
	buf = append(buf, chunk...)
	return sha256.Sum256(buf)
}

func fileDigest(path string) ([32]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(data), nil
}

// Depth reports how many directory levels rel has ("a/b/c" is 3).
func Depth(rel string) int {
	rel = filepath.Clean(rel)
	if rel == "." || rel == string(filepath.Separator) {
		return 0
	}
	parent := filepath.Dir(rel)
	if parent == "." {
		return 1
	}
	return Depth(parent) + 1
}
