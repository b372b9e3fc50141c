package server

import "runtime"

// compactAfterImport is called when an import job ends. Import batches
// are large and short-lived; once a job is done the container should drop
// back to its idle footprint before the next upload arrives.
func compactAfterImport() {
	runtime.GC()
}
