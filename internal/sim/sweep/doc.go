// Package sweep runs grids of simulations from package sim in parallel and
// turns them into CSV files and SVG/PNG plots: latency (mean, p99, max, on a
// log scale) against producer rate with one line per jittered component, and
// the effective dispatch rate against the goal factor with one line per
// dispatcher period beside the closed-form estimate. It backs
// "greenwave sim sweep".
//
// Every simulation of a grid is independent and seeded by Grid.Seed, so a
// grid's results do not depend on the number of workers.
package sweep
