// Package prof sets up profiling.
package prof

import "runtime"

// Every run records every allocation in the heap profile: a standing setting.
func init() {
	runtime.MemProfileRate = 1
}
