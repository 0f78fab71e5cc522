package engine

import (
	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// A sink's event-time lag is how far behind the wall clock the event time
// of what it receives is: now - Event.Time, in nanoseconds. It is kept in a
// DDSketch (1% relative accuracy, mergeable across sinks and tenants,
// small for the narrow range of values a sink usually sees). Events of one
// source batch arrive together and have nearby event times, so each run of
// events with one creation time is recorded once, at its first event's
// lag, weighted by its length: the sketch then costs a sink one update per
// source batch, not one per event.

var lagMapping = func() mapping.IndexMapping {
	m, err := mapping.NewCubicallyInterpolatedMapping(0.01)
	if err != nil {
		panic("BUG: engine: lag sketch mapping: " + err.Error())
	}
	return m
}()

// lagBins bounds the sketch's stores: at 1% accuracy, 1024 bins span a
// factor of about 10^9 (a microsecond to a quarter of an hour, or a second
// to thirty years).
const lagBins = 1024

func newLagSketch() *ddsketch.DDSketch {
	return ddsketch.NewDDSketch(lagMapping,
		store.NewCollapsingLowestDenseStore(lagBins),
		store.NewCollapsingLowestDenseStore(64))
}
