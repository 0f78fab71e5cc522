//go:build !linux

package serve

import (
	"errors"

	"golang.org/x/sys/unix"
)

// ring is io_uring's, which only Linux has: newRing fails elsewhere and
// writers make one system call per send.
type ring struct{}

func newRing(int) (*ring, error) { return nil, errors.New("io_uring is Linux's") }

func (r *ring) size() int                                { return 0 }
func (r *ring) sendmsg(int, *unix.Msghdr, uint64)        {}
func (r *ring) submit(func(tag uint64, res int32)) error { return errors.New("io_uring is Linux's") }
func (r *ring) close()                                   {}
