package queries

// all lists the queries in the reference's order.
var all = []*Query{q0, q1, q2, q3, q4, q5, q6, q7, q8, q11, q12}
