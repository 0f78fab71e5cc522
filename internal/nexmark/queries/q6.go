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
# was open; a session window keyed by auction and seller takes the winning
# bid and closes a gap after the auction's last bid (the gap must exceed
# the longest auction, 3333 events of event time: 0.33 s at the
# default 10,000 events/s; it is 10 s or those 3333 events at the event
# rate the file was generated for, whichever is longer); and an over window
# keyed by seller averages, for each closed auction, its final and those of
# the seller's 10 closed auctions before it: 11 rows, as the reference's "10
# PRECEDING AND CURRENT ROW" says (the query's title speaks of the last 10).
#
# The over window orders a seller's auctions as the reference does, by the
# winning bid's time (ties by auction id). The winning bid is the highest,
# the earliest of equal highest ones: the window takes max(rank), rank being
# the price times 2^25 plus 2^25 - 1 minus the bid's offset from the
# auction's opening in milliseconds (auctions are shorter than 2^25 ms at
# any event rate above 0.1/s), so the winner's price and time both come out
# of one max. A map then moves each winner to the event time of its bid plus
# twice the gap (an auction closes at most a gap plus its length after its
# winning bid, and is emitted then, so it is still ahead of the watermark)
# plus its id modulo 10^6 in nanoseconds (ties by id while auction ids stay
# below 10^6, about 16 million events), and the over window, which takes
# events in event-time order once the watermark passes them, sees them in
# the reference's order.
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
    drop: [item_name, description, initial_bid, reserve, category, extra]
  auctions_by_id:
    type: key_by
    inputs: [auctions]
    key: [id]
  bids:
    type: map
    inputs: [nexmark.bid]
    fields: {price: price, bid_time: date_time}
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
  ranked_bids:
    type: map
    inputs: [auction_bids]
    fields: {rank: 'price * 33554432 + 33554431 - int((bid_time - date_time) / 1000000)'}
    drop: [auction, price, bid_time, expires]
  winning_bids:
    type: window
    inputs: [ranked_bids]
    key: [id, seller]
    parallelism: {{.Parallelism}}
    window: session
    gap: {{.EventSpan 3333 "10s"}}
    aggregates: {rank: max(rank), opened: min(date_time)}
  winners:
    type: map
    inputs: [winning_bids]
    fields: {final: 'int(rank / 33554432)'}
    time: 'opened + (33554431 - rank % 33554432) * 1000000 + 2 * duration("{{.EventSpan 3333 "10s"}}") + id % 1000000'
    drop: [rank, opened, window_start, window_end]
  q6:
    type: over
    inputs: [winners]
    key: [seller]
    parallelism: {{.Parallelism}}
    rows: 11
    aggregates: {final: avg(final)}
sinks:
{{.Sink "q6" "file"}}
`,
})
