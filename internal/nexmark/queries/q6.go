package queries

var q6 = define(Query{
	Name:     "q6",
	Title:    "Average Selling Price by Seller",
	Complete: true,
	text: `# Nexmark q6: Average Selling Price by Seller.
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
# Here: an interval join pairs each auction with the bids placed while it
# was open; a session window keyed by auction and seller takes the highest
# price (final) and closes 10 s after the auction's last bid (the gap must
# exceed the longest auction, 3333 events of event time: 0.33 s at the
# default 10,000 events/s; it is 10 s or those 3333 events at the event
# rate the file was generated for, whichever is longer); and an over window
# keyed by seller averages, for
# each closed auction, its final and those of the seller's 10 closed
# auctions before it: 11 rows, as the reference's "10 PRECEDING AND CURRENT
# ROW" says (the query's title speaks of the last 10).
#
# One difference: the over window orders a seller's auctions by the time
# their session closes (the last bid's time plus 10 s, when the winning bid
# is known), where the reference orders by the winning bid's own time. The
# two orders differ only for auctions of one seller whose bidding overlaps.
#
# Output: seller, final (the average of the seller's last 11 winning
# prices, a float), one row per closed auction.
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
  winning_bids:
    type: window
    inputs: [auction_bids]
    key: [id, seller]
    parallelism: {{.Parallelism}}
    window: session
    gap: {{.EventSpan 3333 "10s"}}
    aggregates: {final: max(price)}
  q6:
    type: over
    inputs: [winning_bids]
    key: [seller]
    parallelism: {{.Parallelism}}
    rows: 11
    aggregates: {final: avg(final)}
sinks:
{{.Sink "q6" "file"}}
`,
})
