package queries

var q2 = define(Query{
	Name:     "q2",
	Title:    "Selection",
	Complete: true,
	text: `# Nexmark q2: Selection.
#
# Reference (nexmark-flink queries/q2.sql): the bids on every 123rd auction,
# with their price.
#
#   SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
#
# Here: a filter, then a map that keeps auction and price. Output: auction,
# price.
#
# Run it with: greenwave run examples/nexmark/q2.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q2
sources:
{{.Source}}
transforms:
  every_123rd_auction:
    type: filter
    inputs: [nexmark.bid]
    condition: 'auction % 123 == 0'
  q2:
    type: map
    inputs: [every_123rd_auction]
    fields: {price: price}
    drop: [bidder, channel, url, date_time, extra]
sinks:
{{.Sink "q2" "file"}}
`,
})
