package queries

var q4 = define(Query{
	Name:     "q4",
	Title:    "Average Price for a Category",
	Complete: true,
	text: `# Nexmark q4: Average Price for a Category.
#
# Reference (nexmark-flink queries/q4.sql): per category, the average of the
# winning (highest) bids of the auctions, counting the bids placed while the
# auction was open.
#
#   SELECT Q.category, AVG(Q.final)
#   FROM (SELECT MAX(B.price) AS final, A.category
#         FROM auction A, bid B
#         WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
#         GROUP BY A.id, A.category) Q
#   GROUP BY Q.category;
#
# Here: an interval join pairs each auction with the bids on it from its
# opening (lower: 0s) to its expiry (until: expires), both ends included; a
# session window keyed by auction and category takes the highest price
# (final) and closes 10 s after the auction's last bid; and an aggregate
# keyed by category averages the finals. The session gap must exceed the
# longest auction: the generator draws auction lengths up to 3333 events of
# event time (0.33 s at the default 10,000 events/s). The gap is 10 s, or
# 3333 events at the event rate the file was generated for, whichever is
# longer, so the query gives the reference's result at any rate it is
# rendered for (and, as written here, at any rate down to 334 events/s).
# Auctions without a bid in their time are left out, as by the reference's
# inner join.
#
# Like the reference's continuous result, the output is a changelog: with
# emit: update, each closed auction gives a row with its category's new
# average, so a category's last row is its average over every auction of
# the run (the reference's final value). Rows of different categories
# interleave in the order auctions close.
#
# Output: category, final (the average winning price so far, a float).
#
# Run it with: greenwave run examples/nexmark/q4.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q4
sources:
{{.Source}}
transforms:
  auctions:
    type: map
    inputs: [nexmark.auction]
    fields: {category: category}
    drop: [item_name, description, initial_bid, reserve, date_time, seller, extra]
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
    key: [id, category]
    parallelism: {{.Parallelism}}
    window: session
    gap: {{.EventSpan 3333 "10s"}}
    aggregates: {final: max(price)}
  q4:
    type: aggregate
    inputs: [winning_bids]
    key: [category]
    parallelism: {{.Parallelism}}
    emit: update
    aggregates: {final: avg(final)}
sinks:
{{.Sink "q4" "stdout"}}
`,
})
