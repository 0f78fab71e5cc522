package queries

var q12 = define(Query{
	Name:     "q12",
	Title:    "Processing Time Windows",
	Complete: false,
	Missing: "processing-time windows: a window option (say time: processing) that assigns each event to the " +
		"window of the wall clock at its arrival and fires each window on a wall-clock timer (component.Ticker) " +
		"when the clock passes its end, instead of on watermarks",
	text: `# Nexmark q12: Processing Time Windows. NOT THE FULL QUERY: this pipeline
# uses event time where the query uses processing time (see below).
#
# Reference (nexmark-flink queries/q12.sql): how many bids each bidder makes
# in each 10 s of processing time (the wall clock when the bid is processed).
#
#   CREATE VIEW B AS SELECT *, PROCTIME() AS p_time FROM bid;
#   SELECT bidder, count(*) AS bid_count, window_start AS starttime,
#          window_end AS endtime
#   FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
#   GROUP BY bidder, window_start, window_end;
#
# greenwave's windows run on event time only. The query needs processing-time
# windows: a window option (say time: processing) that assigns each event to
# the window of the wall clock at its arrival and fires each window on a
# wall-clock timer (component.Ticker) when the clock passes its end, instead
# of on watermarks; no event is ever late. A map cannot stand in: now() can
# fill a field, but windows read the event's time, not a field.
#
# This pipeline computes the same count per bidder over 10 s tumbling windows
# of event time (date_time), which does the same work per event: one keyed
# count per bid, one row per bidder and window. Output: bidder, window_start,
# window_end, bid_count.
#
# Run it with: greenwave run examples/nexmark/q12.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q12
sources:
{{.Source}}
transforms:
  q12:
    type: window
    inputs: [nexmark.bid]
    key: [bidder]
    parallelism: {{.Parallelism}}
    window: tumbling
    size: 10s
    aggregates: {bid_count: count()}
sinks:
{{.Sink "q12" "file"}}
`,
})
