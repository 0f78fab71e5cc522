package queries

var q8 = define(Query{
	Name:     "q8",
	Title:    "Monitor New Users",
	Complete: true,
	text: `# Nexmark q8: Monitor New Users.
#
# Reference (nexmark-flink queries/q8.sql): the people who registered and
# put up an auction in the same 10 s tumbling window.
#
#   SELECT P.id, P.name, P.starttime
#   FROM (SELECT id, name, window_start AS starttime, window_end AS endtime
#         FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
#         GROUP BY id, name, window_start, window_end) P
#   JOIN (SELECT seller, window_start AS starttime, window_end AS endtime
#         FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
#         GROUP BY seller, window_start, window_end) A
#   ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;
#
# Here: a tumbling window keyed by seller gives one row per seller and window
# (the GROUP BY seller; its row's time is the window's end minus 1 ns, inside
# the window), and a window join over the same 10 s windows pairs each person
# (id and name only; a person registers once, so the reference's GROUP BY
# id, name changes nothing) with the seller row of the same id and window.
#
# Output: id, name, stime (the window's start).
#
# Run it with: greenwave run examples/nexmark/q8.yaml (count and rate below).
# Generated from internal/nexmark/queries: edit the query there, then run
# go test ./internal/nexmark/queries -update.
tenant: nexmark-q8
sources:
{{.Source}}
transforms:
  people:
    type: map
    inputs: [nexmark.person]
    fields: {name: name}
    drop: [email_address, credit_card, city, state, date_time, extra]
  people_by_id:
    type: key_by
    inputs: [people]
    key: [id]
  sellers:
    type: window
    inputs: [nexmark.auction]
    key: [seller]
    parallelism: {{.Parallelism}}
    window: tumbling
    size: 10s
    aggregates: {auctions: count()}
  new_sellers:
    type: join
    inputs: [people_by_id, sellers]
    parallelism: {{.Parallelism}}
    mode: window
    window: tumbling
    size: 10s
    left_key: [id]
    right_key: [seller]
  q8:
    type: map
    inputs: [new_sellers]
    fields: {stime: window_start}
    drop: [seller, window_start, window_end, auctions]
sinks:
{{.Sink "q8" "file"}}
`,
})
