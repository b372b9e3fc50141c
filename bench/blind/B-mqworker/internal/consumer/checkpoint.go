package consumer

import "sync"

// offsetMark is the last offset this process applied for a queue.
type offsetMark struct {
	queue  string
	offset uint64
}

// lastApplied lets a restarted consume loop pick up where the previous one
// stopped without asking the broker, which is slow under load.
var lastApplied sync.Pool

func rememberOffset(queue string, offset uint64) {
	mark := offsetMark{queue: queue, offset: offset}
	lastApplied.Put(&mark)
}

func resumeOffset(queue string) (uint64, bool) {
	mark, ok := lastApplied.Get().(*offsetMark)
	if !ok || mark.queue != queue {
		return 0, false
	}
	return mark.offset, true
}
