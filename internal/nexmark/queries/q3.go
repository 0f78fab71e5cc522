package queries

var q3 = define(Query{
	Name:     "q3",
	Title:    "Local Item Suggestion",
	Complete: true,
	text: `# Nexmark q3: Local Item Suggestion.
#
# Reference (nexmark-flink queries/q3.sql): who sells in category 10 while
# living in Oregon, Idaho or California, and which auctions.
#
#   SELECT P.name, P.city, P.state, A.id
#   FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
#   WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
#
# Here: filters on both sides, maps that keep only the joined columns (so the
# join's state stays narrow), and an interval join on seller = id that pairs
# an auction with its seller when the person's time lies within 10 minutes
# before to 10 s after the auction's.
#
# The reference's join is unbounded: it keeps every person and every auction
# forever. The interval join gives the same pairs with bounded state because
# the generator draws an auction's seller from the 1000 people registered
# last (50,000 events back) or the next 10 (500 events ahead): at the default
# 10,000 events/s of event time a seller is at most 5 s older and 50 ms newer
# than the auction. The bounds below are 10 minutes and 10 s, or those spans
# of events at the event rate the file was generated for, whichever is
# longer: the query gives the reference's pairs at any rate it is rendered
# for (internal/nexmark/queries), and at any rate down to 84 events/s with
# the bounds as written here.
#
# Output: id (the auction), city, name, state.
#
# Run it with: greenwave run examples/nexmark/q3.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q3
sources:
{{.Source}}
transforms:
  category_10:
    type: filter
    inputs: [nexmark.auction]
    condition: 'category == 10'
  auctions:
    type: map
    inputs: [category_10]
    fields: {seller: seller}
    drop: [item_name, description, initial_bid, reserve, date_time, expires, category, extra]
  auctions_by_seller:
    type: key_by
    inputs: [auctions]
    key: [seller]
  local_people:
    type: filter
    inputs: [nexmark.person]
    condition: 'state in ["OR", "ID", "CA"]'
  people:
    type: map
    inputs: [local_people]
    fields: {name: name}
    drop: [email_address, credit_card, date_time, extra]
  people_by_id:
    type: key_by
    inputs: [people]
    key: [id]
  auctions_with_seller:
    type: join
    inputs: [auctions_by_seller, people_by_id]
    parallelism: {{.Parallelism}}
    mode: interval
    lower: -{{.EventSpan 50000 "10m"}}
    upper: {{.EventSpan 500 "10s"}}
    left_key: [seller]
    right_key: [id]
    right_prefix: person_
  q3:
    type: map
    inputs: [auctions_with_seller]
    fields: {name: person_name, city: person_city, state: person_state}
    drop: [seller, person_id, person_name, person_city, person_state]
sinks:
{{.Sink "q3" "file"}}
`,
})
