// Package memguard sizes the Go heap limit from the cgroup the process runs in.
package memguard

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

const fallback = 200 << 20

// Apply sets the soft memory limit to 90% of the cgroup v2 memory.max, or
// to a conservative fallback when no limit can be read.
func Apply() int64 {
	limit := int64(fallback)
	if raw, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		s := strings.TrimSpace(string(raw))
		if v, err := strconv.ParseInt(s, 10, 64); err == nil && v > 0 {
			limit = v / 10 * 9
		}
	}
	debug.SetMemoryLimit(limit)
	return limit
}
