package queries

var q12 = define(Query{
	Name:     "q12",
	Title:    "Processing Time Windows",
	Complete: true,
	text: `# Nexmark q12: Processing Time Windows.
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
# The window runs on processing time (time: processing): each bid falls into
# the 10 s window of the wall clock at its arrival, and a window closes when
# the clock passes its end; when the input ends, every open window closes.
# As in the reference, the rows depend on when the bids are processed, so two
# runs differ; the counts per bidder over all windows do not. Output: bidder,
# window_start, window_end, bid_count.
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
    time: processing
    aggregates: {bid_count: count()}
sinks:
{{.Sink "q12" "file"}}
`,
})
