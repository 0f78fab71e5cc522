package serve

import (
	"strconv"

	"github.com/greenwave/greenwave/internal/component"
)

// AppendFigures appends the table's figures (component.Figure), named
// serve_*: deltas, rows and their bytes, the window of recent deltas,
// subscribers and what they were sent (messages, bytes, socket writes),
// dropped, resynced, caught up and
// disconnected, the largest lag, and per subscriber its lag and queue
// (labelled with its id and transport).
func (s Stats) AppendFigures(dst []component.Figure) []component.Figure {
	g, c := component.GaugeOf, component.CounterOf
	dst = append(dst,
		c("serve_deltas_total", "Changes sequenced into the table.", float64(s.Deltas)),
		g("serve_rows", "Rows the table holds.", float64(s.Rows)),
		g("serve_row_bytes", "Bytes the table's rows take.", float64(s.Bytes)),
		c("serve_rows_evicted_total", "Rows removed at max_rows or max_state (when_state_full: evict_oldest).", float64(s.Evicted)),
		c("serve_rows_expired_total", "Rows removed by their ttl.", float64(s.Expired)),
		g("serve_retained_deltas", "Recent deltas kept for subscribers that catch up.", float64(s.Retained)),
		g("serve_retained_bytes", "Bytes of the recent deltas kept.", float64(s.RetainedBytes)),
		c("serve_window_evicted_deltas_total", "Deltas pushed out of the window of recent deltas.", float64(s.WindowEvicted)),
		g("serve_subscribers", "Subscribers now.", float64(s.Subscribers)),
		c("serve_subscriptions_total", "Subscriptions since the table started.", float64(s.Subscribed)),
		c("serve_resyncs_total", "Snapshots sent again to subscribers that fell behind the window.", float64(s.Resyncs)),
		c("serve_catchups_total", "Frames built from the table's rows for subscribers behind the window, instead of a resync.", float64(s.CatchUps)),
		c("serve_disconnects_total", "Subscribers disconnected for being slow (when_slow: disconnect).", float64(s.Disconnects)),
		c("serve_write_timeouts_total", "Subscribers closed because a write to them outlasted write_timeout.", float64(s.WriteTimeouts)),
		c("serve_dropped_deltas_total", "Deltas subscribers did not get one by one (replaced by a resync).", float64(s.Drops)),
		c("serve_messages_total", "Messages written to subscribers.", float64(s.Messages)),
		c("serve_written_bytes_total", "Bytes written to subscribers.", float64(s.BytesWritten)),
		c("serve_socket_writes_total", "Writes to subscribers' sockets: a batch of messages takes one writev (one per 64 KiB or so of a large batch a subscriber's goroutine writes), an SSE batch counts one.", float64(s.SocketWrites)),
		c("serve_direct_writes_total", "Writes a fan-out writer made to a subscriber's socket itself, without waking the subscriber's goroutine.", float64(s.DirectWrites)),
		c("serve_send_batches_total", "System calls that each made a batch of direct writes (batch_sends).", float64(s.SendBatches)),
		c("serve_writer_busy_seconds_total", "Time the fan-out writers spent in passes (filling queues, writing directly), all writers together.", s.WriterBusy.Seconds()),
		c("serve_handoffs_total", "Direct writes the socket took only in part: the subscriber's goroutine wrote the rest.", float64(s.Handoffs)),
		c("serve_frames_built_total", "Frames encoded (once each, for every subscriber at the frame's start).", float64(s.FramesBuilt)),
		c("serve_frame_conflated_deltas_total", "Deltas left out of frames because a later change of the same key is in them.", float64(s.Conflated)),
		c("serve_frame_bytes_total", "Bytes of the frames encoded.", float64(s.FrameBytes)),
		c("serve_frames_written_total", "Frames written to subscribers.", float64(s.FramesSent)),
		c("serve_delivered_deltas_total", "Deltas delivered to subscribers: one per delta message, a frame's whole range.", float64(s.DeltasSent)),
		g("serve_max_lag_deltas", "The most deltas a subscriber is behind the table's head.", float64(s.MaxLag)),
	)
	for _, sub := range s.Subs {
		id := strconv.FormatUint(sub.ID, 10)
		dst = append(dst,
			g("serve_subscriber_lag_deltas", "Deltas the subscriber is behind the table's head.", float64(sub.Lag), "subscriber", id, "transport", sub.Transport),
			g("serve_subscriber_queued_bytes", "Bytes queued for the subscriber.", float64(sub.QueuedBytes), "subscriber", id, "transport", sub.Transport),
		)
	}
	return dst
}

// AppendFigures appends the sink's table's figures (component.Figurer).
// Safe from any goroutine; it takes the table's mutex and each
// subscriber's once, briefly (see Table.Stats).
func (s *sink) AppendFigures(dst []component.Figure) []component.Figure {
	if s.t == nil {
		return dst
	}
	return s.t.Stats().AppendFigures(dst)
}
