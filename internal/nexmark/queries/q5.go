package queries

var q5 = define(Query{
	Name:     "q5",
	Title:    "Hot Items",
	Complete: true,
	text: `# Nexmark q5: Hot Items.
#
# Reference (nexmark-flink queries/q5.sql): in every 10 s window, sliding by
# 2 s, the auctions with the most bids.
#
#   SELECT AuctionBids.auction, AuctionBids.num
#   FROM (SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime
#         FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
#         GROUP BY auction, window_start, window_end) AS AuctionBids
#   JOIN (SELECT max(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
#         FROM (<the same count per auction and window>) AS CountBids
#         GROUP BY CountBids.starttime, CountBids.endtime) AS MaxBids
#   ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime
#      AND AuctionBids.num >= MaxBids.maxn;
#
# Here: a hopping window counts the bids per auction (num); a 2 s tumbling
# window keyed by the hopping window's start takes the greatest count of each
# hopping window (a count row's time is its window's end minus 1 ns, so the
# rows of one hopping window fall in one 2 s window); a window join pairs
# each count with its window's maximum, and a filter keeps the counts that
# reach it. Ties are all kept, as in the reference.
#
# greenwave has no aggregate that returns the key with the greatest count
# (an arg-max such as max_by(auction, num) over the window's groups, keeping
# ties); with one, the second window, the join and the filter would be one
# window over the counts.
#
# Output: auction, num, and the hopping window it is the hot item of
# (starttime, endtime), which the reference's SELECT leaves out.
#
# Run it with: greenwave run examples/nexmark/q5.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q5
sources:
{{.Source}}
transforms:
  auction_bids:
    type: window
    inputs: [nexmark.bid]
    key: [auction]
    parallelism: {{.Parallelism}}
    window: hopping
    size: 10s
    slide: 2s
    aggregates: {num: count()}
  counts:
    type: map
    inputs: [auction_bids]
    fields: {starttime: window_start, endtime: window_end}
    drop: [window_start, window_end]
  max_bids:
    type: window
    inputs: [counts]
    key: [starttime]
    parallelism: {{.Parallelism}}
    window: tumbling
    size: 2s
    aggregates: {maxn: max(num)}
  maxes:
    type: map
    inputs: [max_bids]
    fields: {maxn: maxn}
    drop: [window_start, window_end]
  counts_with_max:
    type: join
    inputs: [counts, maxes]
    key: [starttime]
    parallelism: {{.Parallelism}}
    mode: window
    window: tumbling
    size: 2s
    left_key: [starttime]
    right_key: [starttime]
    right_prefix: max_
  hot_items:
    type: filter
    inputs: [counts_with_max]
    condition: 'num >= max_maxn'
  q5:
    type: map
    inputs: [hot_items]
    fields: {num: num}
    drop: [max_starttime, max_maxn]
sinks:
{{.Sink "q5" "file"}}
`,
})
