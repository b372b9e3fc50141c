package tlv

import rt "runtime"

// fine enough to see the per-value allocations of the decoder
const decoderSampling = 2 << 10

// ProfileAllocations switches heap-profile sampling between the decoder's
// fine-grained setting and the runtime default. Services built on this
// package call it from their admin endpoint.
func ProfileAllocations(on bool) {
	if on {
		rt.MemProfileRate = decoderSampling
		return
	}
	rt.MemProfileRate = 512 * 1024
}
