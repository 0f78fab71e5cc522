package queries

var q6 = define(Query{
	Name:     "q6",
	Title:    "Average Selling Price by Seller",
	Complete: false,
	Missing: "a row-based OVER window: per key, in event-time order, an aggregate over the current row and the " +
		"N rows before it (ROWS BETWEEN N PRECEDING AND CURRENT ROW), one output row per input row; the " +
		"pipeline stops at the winning bids it would average",
	text: `# Nexmark q6: Average Selling Price by Seller. NOT THE FULL QUERY: this
# pipeline stops at each closed auction's winning bid and seller; the
# average over each seller's last auctions needs an operator greenwave lacks
# (see below).
#
# Reference (nexmark-flink queries/q6.sql, marked there as not supported by
# Flink SQL): for each seller, the average selling price over their last
# closed auctions (the winning bid of each), updated as each auction closes.
#
#   SELECT Q.seller, AVG(Q.price) OVER
#       (PARTITION BY Q.seller ORDER BY Q.dateTime ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
#   FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY A.id, A.seller ORDER BY B.price DESC) AS rownum
#         FROM (SELECT A.id, A.seller, B.price, B.dateTime FROM auction AS A, bid AS B
#               WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires)
#         WHERE rownum <= 1) AS Q;
#
# The missing operator: a row-based OVER window, which keeps per key (seller)
# the last N + 1 rows in event-time order (here the winning bids, N = 10) and
# emits, for every row that arrives, an aggregate (avg of price) over it and
# the N rows before it. greenwave's windows are bounded by time (tumbling,
# hopping, session), never by a number of rows.
#
# This pipeline computes the part before it, shared with q4: an interval
# join pairs each auction with the bids placed while it was open, and a
# session window keyed by auction and seller takes the highest price (final)
# and closes 10 s after the auction's last bid (the gap must exceed the
# longest auction, 3333 events of event time: 0.33 s at the default 10,000
# events/s).
#
# Output: id (the auction), seller, window_start (its first bid's time),
# window_end (its last bid's time plus 10 s), final (the winning price).
#
# Run it with: greenwave run examples/nexmark/q6.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q6
sources:
{{.Source}}
transforms:
  auctions:
    type: map
    inputs: [nexmark.auction]
    fields: {seller: seller}
    drop: [item_name, description, initial_bid, reserve, date_time, category, extra]
  auctions_by_id:
    type: key_by
    inputs: [auctions]
    key: [id]
  bids:
    type: map
    inputs: [nexmark.bid]
    fields: {price: price}
    drop: [bidder, channel, url, date_time, extra]
  bids_by_auction:
    type: key_by
    inputs: [bids]
    key: [auction]
  auction_bids:
    type: join
    inputs: [auctions_by_id, bids_by_auction]
    parallelism: {{.Parallelism}}
    mode: interval
    lower: 0s
    until: expires
    left_key: [id]
    right_key: [auction]
  q6:
    type: window
    inputs: [auction_bids]
    key: [id, seller]
    parallelism: {{.Parallelism}}
    window: session
    gap: 10s
    aggregates: {final: max(price)}
sinks:
{{.Sink "q6" "file"}}
`,
})
