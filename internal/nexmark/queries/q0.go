package queries

var q0 = define(Query{
	Name:     "q0",
	Title:    "Pass Through",
	Complete: true,
	text: `# Nexmark q0: Pass Through.
#
# Reference (nexmark-flink queries/q0.sql): every bid, projected to five of
# its columns; it measures the cost of the source and of moving events.
#
#   SELECT auction, bidder, price, dateTime, extra FROM bid;
#
# Here: the source's bid side output through a map that leaves out channel
# and url (a map names at least one field; price: price keeps price as it
# is). Output: auction, bidder, price, date_time, extra.
#
# Run it with: greenwave run examples/nexmark/q0.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q0
sources:
{{.Source}}
transforms:
  q0:
    type: map
    inputs: [nexmark.bid]
    fields: {price: price}
    drop: [channel, url]
sinks:
{{.Sink "q0" "file"}}
`,
})
