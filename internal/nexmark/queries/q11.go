package queries

var q11 = define(Query{
	Name:     "q11",
	Title:    "User Sessions",
	Complete: true,
	text: `# Nexmark q11: User Sessions.
#
# Reference (nexmark-flink queries/q11.sql): how many bids each bidder made
# in each session, a session ending after 10 s without a bid of the bidder.
#
#   SELECT B.bidder, count(*) AS bid_count,
#          SESSION_START(B.dateTime, INTERVAL '10' SECOND) AS starttime,
#          SESSION_END(B.dateTime, INTERVAL '10' SECOND) AS endtime
#   FROM bid B GROUP BY B.bidder, SESSION(B.dateTime, INTERVAL '10' SECOND);
#
# Here: a session window keyed by bidder with a 10 s gap. A session's
# window_start is its first bid's time and window_end its last bid's time
# plus the gap, as SESSION_START and SESSION_END. A bid exactly 10 s after
# the bidder's previous one stays in its session, as Flink merges touching
# session windows. Output: bidder,
# window_start (starttime), window_end (endtime), bid_count.
#
# Run it with: greenwave run examples/nexmark/q11.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q11
sources:
{{.Source}}
transforms:
  q11:
    type: window
    inputs: [nexmark.bid]
    key: [bidder]
    parallelism: {{.Parallelism}}
    window: session
    gap: 10s
    aggregates: {bid_count: count()}
sinks:
{{.Sink "q11" "file"}}
`,
})
