// Package poll starts a background poller that nothing can stop (GM003).
package poll

import "time"

// Start polls every interval, forever.
func Start(interval time.Duration, tick func()) {
	go func() {
		for {
			tick()
			time.Sleep(interval)
		}
	}()
}
