package serve

import (
	"fmt"
	"strconv"
	"time"
)

// Policy is what happens to a subscriber whose queue overflows.
type Policy uint8

const (
	// Resync drops the subscriber's queue, and when it reads again sends
	// a gap message and a fresh snapshot, then deltas from there.
	Resync Policy = iota
	// Disconnect closes the subscriber's connection.
	Disconnect
)

func (p Policy) String() string {
	if p == Disconnect {
		return "disconnect"
	}
	return "resync"
}

// Config shapes and bounds one table. Every bound is enforced and counted.
type Config struct {
	// Name is the table's name, served at /tables/<Name>; Tenant and Key
	// are shown in listings.
	Name   string
	Tenant string
	Key    []string

	// MaxRows and MaxBytes bound the rows held (MaxBytes an estimate:
	// the texts and a fixed overhead per row). Evict makes a new key evict
	// the least recently updated rows instead of failing. TTL, when > 0,
	// deletes rows not updated for that long (Expire).
	MaxRows  int64
	MaxBytes int64
	Evict    bool
	TTL      time.Duration

	// Retain and RetainBytes bound the window of recent deltas.
	Retain      int
	RetainBytes int64
	// ChecksumEvery, when > 0, adds the table's checksum to every delta
	// whose seq is a multiple of it.
	ChecksumEvery uint64

	// Progress is the period of progress messages to subscribers that
	// are caught up.
	Progress time.Duration
	// MaxSubscribers bounds the subscribers at once.
	MaxSubscribers int
	// QueueMessages and QueueBytes bound each subscriber's queue; Policy
	// says what an overflow does.
	QueueMessages int
	QueueBytes    int64
	Policy        Policy
	// WriteTimeout, when > 0, closes a subscriber one of whose writes
	// takes longer.
	WriteTimeout time.Duration
	// Frames sends subscribers that are live frames (one message per
	// writer pass carrying every delta since their last one, conflated by
	// key) instead of a message per delta. FrameInterval is the least
	// time between two writer passes, frames or not (0: a pass per batch
	// of the sink); FrameMax the most sequence numbers one frame covers.
	Frames        bool
	FrameInterval time.Duration
	FrameMax      int
	// WriterShare is the most of its core a writer's passes take: after a
	// pass that took d, the next starts no sooner than d/WriterShare
	// after it began (nor sooner than FrameInterval), in (0, 1].
	WriterShare float64
	// Writers is the number of fan-out goroutines; 0 gives every
	// subscriber a goroutine of its own that the sink wakes (the naive
	// layout). Pin locks each writer to a CPU of its own. BatchSends
	// makes each writer pass's direct writes with one system call per
	// sendBatchMax subscribers (io_uring), where the system has it.
	Writers    int
	Pin        bool
	BatchSends bool
}

// DefaultConfig returns the defaults the serve sink's Spec declares.
func DefaultConfig(name string) Config {
	return Config{
		Name: name, MaxRows: 1_000_000, MaxBytes: 256 << 20,
		Retain: 10_000, RetainBytes: 16 << 20,
		Progress: time.Second, MaxSubscribers: 4096,
		QueueMessages: 16_384, QueueBytes: 8 << 20,
		WriteTimeout: 30 * time.Second, Writers: 1,
		Frames: true, FrameInterval: 10 * time.Millisecond, FrameMax: 1 << 20,
		WriterShare: 0.5, BatchSends: true,
	}
}

func (c *Config) check() error {
	switch {
	case c.Name == "":
		return fmt.Errorf("table has no name")
	case c.MaxRows < 1:
		return fmt.Errorf("table %q: max_rows must be at least 1, got %d", c.Name, c.MaxRows)
	case c.MaxBytes < 1:
		return fmt.Errorf("table %q: max_state must be at least 1 byte, got %d", c.Name, c.MaxBytes)
	case c.Retain < 1:
		return fmt.Errorf("table %q: retain must be at least 1, got %d", c.Name, c.Retain)
	case c.RetainBytes < 1:
		return fmt.Errorf("table %q: retain_bytes must be at least 1 byte, got %d", c.Name, c.RetainBytes)
	case c.Progress <= 0:
		return fmt.Errorf("table %q: progress must be positive, got %v", c.Name, c.Progress)
	case c.MaxSubscribers < 1:
		return fmt.Errorf("table %q: max_subscribers must be at least 1, got %d", c.Name, c.MaxSubscribers)
	case c.QueueMessages < 1 || c.QueueBytes < 1:
		return fmt.Errorf("table %q: queue bounds must be at least 1, got %d messages and %d bytes", c.Name, c.QueueMessages, c.QueueBytes)
	case c.Frames && c.FrameMax < 1:
		return fmt.Errorf("table %q: frame_max must be at least 1, got %d", c.Name, c.FrameMax)
	case c.FrameInterval < 0:
		return fmt.Errorf("table %q: frame_interval must not be negative, got %v", c.Name, c.FrameInterval)
	case !(c.WriterShare > 0 && c.WriterShare <= 1):
		return fmt.Errorf("table %q: writer_share must be above 0 and at most 1, got %v", c.Name, c.WriterShare)
	case c.Writers < 0:
		return fmt.Errorf("table %q: writers must not be negative, got %d", c.Name, c.Writers)
	}
	return nil
}

func appendUint(b []byte, u uint64) []byte { return strconv.AppendUint(b, u, 10) }
