package queries

var q1 = define(Query{
	Name:     "q1",
	Title:    "Currency Conversion",
	Complete: true,
	text: `# Nexmark q1: Currency Conversion.
#
# Reference (nexmark-flink queries/q1.sql): every bid with its price
# converted from dollars to euros.
#
#   SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid;
#
# Here: a map that replaces price by price * 0.908 and leaves out channel and
# url. The reference's price is DECIMAL(23, 3); here it is a float (float64
# of the int price times 0.908). Output: auction, bidder, price, date_time,
# extra.
#
# Run it with: greenwave run examples/nexmark/q1.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q1
sources:
{{.Source}}
transforms:
  q1:
    type: map
    inputs: [nexmark.bid]
    fields: {price: 'price * 0.908'}
    drop: [channel, url]
sinks:
{{.Sink "q1" "file"}}
`,
})
