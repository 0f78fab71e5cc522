// Package videoqoe holds the correctness test of the main example pipeline,
// examples/video-qoe.yaml: it runs the file through the engine on a fixed
// number of generated events, with its sinks pointed at files, and compares
// every per-customer and per-CDN-and-device minute row with a reference
// computed in plain Go from the same generated events. The package has no
// non-test code.
package videoqoe
