// Package prof sets up profiling.
package prof

import "runtime"

// Every records every allocation in the heap profile.
func Every() {
	runtime.MemProfileRate = 1
}
