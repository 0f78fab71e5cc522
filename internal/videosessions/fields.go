package videosessions

import "github.com/greenwave/greenwave/internal/event"

// SchemaName is the name of the events' type.
const SchemaName = "video_event"

// The fields of a video_event, in Fields order.
const (
	fTs = iota
	fEventType
	fCustomer
	fSessionID
	fViewerID
	fVideoID
	fCDN
	fDevice
	fCountry
	fBitrate
	fBuffering
	fStartup
	fPlay
	fSeq
	// FieldCount is the number of fields of a video_event.
	FieldCount
)

var fields = [FieldCount]event.Field{
	{Name: "ts", Kind: event.Time, Required: true},
	{Name: "event_type", Kind: event.String, Required: true},
	{Name: "customer", Kind: event.String, Required: true},
	{Name: "session_id", Kind: event.String, Required: true},
	{Name: "viewer_id", Kind: event.String, Required: true},
	{Name: "video_id", Kind: event.String, Required: true},
	{Name: "cdn", Kind: event.String, Required: true},
	{Name: "device", Kind: event.String, Required: true},
	{Name: "country", Kind: event.String, Required: true},
	{Name: "bitrate_kbps", Kind: event.Int, Required: true},
	{Name: "buffering_ms", Kind: event.Int, Required: true},
	{Name: "startup_ms", Kind: event.Int, Required: true},
	{Name: "play_ms", Kind: event.Int, Required: true},
	{Name: "seq", Kind: event.Int, Required: true},
}

// Fields returns the fields of a video_event, in the order Slots follows:
// ts, event_type, customer, session_id, viewer_id, video_id, cdn, device,
// country, bitrate_kbps, buffering_ms, startup_ms, play_ms, seq.
func Fields() []event.Field {
	out := make([]event.Field, FieldCount)
	copy(out, fields[:])
	return out
}

// Slots says where each field goes in the caller's schema: Slots[i] is the
// slot of Fields()[i].
type Slots [FieldCount]int
