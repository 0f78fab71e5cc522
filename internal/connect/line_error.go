package connect

import "fmt"

// LineError is an error about one line of an input file. Its message is
// "<file>:<line>: <err>", with the file as written in the pipeline, so a
// reader can open it and go to the line.
type LineError struct {
	File string
	Line int64
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }
