package queries

var q7 = define(Query{
	Name:     "q7",
	Title:    "Highest Bid",
	Complete: true,
	text: `# Nexmark q7: Highest Bid.
#
# Reference (nexmark-flink queries/q7.sql): the bids with the highest price
# of every 10 s tumbling window.
#
#   SELECT B.auction, B.bidder, B.price, B.dateTime, B.extra
#   FROM bid B
#   JOIN (SELECT MAX(price) AS maxprice, window_end AS dateTime
#         FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
#         GROUP BY window_start, window_end) B1
#   ON B.price = B1.maxprice
#   WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime;
#
# Here: a tumbling window without a key (one instance) takes each window's
# greatest price; a window join on price = maxprice over the same 10 s
# windows pairs it with the bids of that window (the window's row has time
# end minus 1 ns, so it falls in its own window), and a map keeps the bid's
# columns. The join holds each window's bids (without channel and url) until
# the window closes, as the reference's join does. Ties are all kept.
#
# One edge differs: BETWEEN includes both ends, so the reference also pairs
# a window's maximum with an equal bid at exactly the window's end (the first
# millisecond of the next window); here a bid belongs to one window,
# [start, end).
#
# greenwave has no aggregate that returns the events holding a window's
# greatest value (an arg-max such as max_by(f) keeping every tied event);
# with one, this query would be a single window with no join.
#
# Output: auction, bidder, price, date_time, extra.
#
# Run it with: greenwave run examples/nexmark/q7.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q7
sources:
{{.Source}}
transforms:
  bids:
    type: map
    inputs: [nexmark.bid]
    fields: {price: price}
    drop: [channel, url]
  bids_by_price:
    type: key_by
    inputs: [bids]
    key: [price]
  max_price:
    type: window
    inputs: [nexmark.bid]
    parallelism: 1
    window: tumbling
    size: 10s
    aggregates: {maxprice: max(price)}
  max_by_price:
    type: key_by
    inputs: [max_price]
    key: [maxprice]
  highest_bids:
    type: join
    inputs: [bids_by_price, max_by_price]
    parallelism: {{.Parallelism}}
    mode: window
    window: tumbling
    size: 10s
    left_key: [price]
    right_key: [maxprice]
  q7:
    type: map
    inputs: [highest_bids]
    fields: {price: price}
    drop: [window_start, window_end, maxprice]
sinks:
{{.Sink "q7" "file"}}
`,
})
