package ops

import "fmt"

// EntryError is an error about one entry of a map-valued option (one of
// map's fields). A loader that can locate the entry finds the position
// inside its value through errors.As on the wrapped error (an *expr.Error).
type EntryError struct {
	Key string
	Err error
}

func (e *EntryError) Error() string { return fmt.Sprintf("%q: %v", e.Key, e.Err) }
func (e *EntryError) Unwrap() error { return e.Err }

// Column returns 0: the wrapped error's column is relative to the entry's
// value, not to the option's, so a loader that only knows the option's
// position must not shift it.
func (e *EntryError) Column() int { return 0 }
