// Package event defines greenwave's typed records.
//
// An Event is a fixed header (schema id, event time, creation time, edge
// sequence, partition key) plus a slice of Values, one per slot of its
// Schema. Operators resolve field names to slots once, at compile time, and
// then read and write Fields by index: there is no map per event and no
// allocation per event once an event's Fields slice has reached the width of
// its schema.
//
// Schemas evolve append-only: a new field gets a new slot at the end, so the
// slots resolved by running operators stay valid.
package event
