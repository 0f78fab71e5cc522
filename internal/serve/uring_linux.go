//go:build linux

package serve

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ring is an io_uring instance through which a writer makes a batch of
// socket sends with one system call: each send is a non-blocking sendmsg
// (MSG_DONTWAIT: a full socket completes at once with EAGAIN, or with
// the bytes it took), and submit waits for all of them, so that nothing
// the kernel reads (the message headers, their buffers) is in use after
// it returns. One writer owns it: not safe for concurrent use.
type ring struct {
	fd                     int
	sqHead, sqTail, cqHead *uint32
	cqTail                 *uint32
	sqMask, cqMask         uint32
	sqArray                []uint32
	sqes                   []uringSQE
	cqes                   []uringCQE
	maps                   [][]byte
	queued                 uint32 // SQEs prepared since the last submit
}

// The kernel's ABI (include/uapi/linux/io_uring.h).
type uringSQOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type uringCQOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sq                                                                     uringSQOffsets
	cq                                                                     uringCQOffsets
}

type uringSQE struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	opFlags  uint32
	userData uint64
	pad      [3]uint64
}

type uringCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

const (
	uringOpSendmsg      = 9
	uringEnterGetevents = 1
	uringSetupSubmitAll = 1 << 7
	uringOffSQRing      = 0
	uringOffCQRing      = 0x8000000
	uringOffSQEs        = 0x10000000
)

// newRing sets up a ring for batches of up to entries sends. It fails
// where io_uring is not to be had: an older kernel, kernel.io_uring_disabled,
// a seccomp profile that forbids it.
func newRing(entries int) (*ring, error) {
	var p uringParams
	p.flags = uringSetupSubmitAll
	fd, err := uringSetup(entries, &p)
	if errors.Is(err, unix.EINVAL) {
		// A kernel before 5.18: without IORING_SETUP_SUBMIT_ALL a bad
		// send stops the batch, which submit copes with.
		p = uringParams{}
		fd, err = uringSetup(entries, &p)
	}
	if err != nil {
		return nil, fmt.Errorf("io_uring_setup(%d): %w", entries, err)
	}
	r := &ring{fd: fd}
	mmap := func(off int64, size uint32) ([]byte, error) {
		b, err := unix.Mmap(fd, off, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
		if err != nil {
			return nil, fmt.Errorf("io_uring mmap at %#x: %w", off, err)
		}
		r.maps = append(r.maps, b)
		return b, nil
	}
	sq, err := mmap(uringOffSQRing, p.sq.array+p.sqEntries*4)
	if err == nil {
		var cq, sqes []byte
		if cq, err = mmap(uringOffCQRing, p.cq.cqes+p.cqEntries*uint32(unsafe.Sizeof(uringCQE{}))); err == nil {
			if sqes, err = mmap(uringOffSQEs, p.sqEntries*uint32(unsafe.Sizeof(uringSQE{}))); err == nil {
				r.sqHead = (*uint32)(unsafe.Pointer(&sq[p.sq.head]))
				r.sqTail = (*uint32)(unsafe.Pointer(&sq[p.sq.tail]))
				r.sqMask = *(*uint32)(unsafe.Pointer(&sq[p.sq.ringMask]))
				r.sqArray = unsafe.Slice((*uint32)(unsafe.Pointer(&sq[p.sq.array])), p.sqEntries)
				r.sqes = unsafe.Slice((*uringSQE)(unsafe.Pointer(&sqes[0])), p.sqEntries)
				r.cqHead = (*uint32)(unsafe.Pointer(&cq[p.cq.head]))
				r.cqTail = (*uint32)(unsafe.Pointer(&cq[p.cq.tail]))
				r.cqMask = *(*uint32)(unsafe.Pointer(&cq[p.cq.ringMask]))
				r.cqes = unsafe.Slice((*uringCQE)(unsafe.Pointer(&cq[p.cq.cqes])), p.cqEntries)
			}
		}
	}
	if err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func uringSetup(entries int, p *uringParams) (int, error) {
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// size is the most sends one submit makes.
func (r *ring) size() int { return len(r.sqes) }

// sendmsg queues a non-blocking sendmsg of h on fd, its result to be
// reported under tag. h, its iovecs and their buffers must stay as they
// are until submit returns.
func (r *ring) sendmsg(fd int, h *unix.Msghdr, tag uint64) {
	tail := atomic.LoadUint32(r.sqTail) + r.queued
	i := tail & r.sqMask
	r.sqes[i] = uringSQE{opcode: uringOpSendmsg, fd: int32(fd), addr: uint64(uintptr(unsafe.Pointer(h))), len: 1,
		opFlags: unix.MSG_DONTWAIT | unix.MSG_NOSIGNAL, userData: tag}
	r.sqArray[i] = i
	r.queued++
}

// submit makes the queued sends and waits for every one of them to
// complete, calling done with each one's tag and result (the bytes sent,
// or a negated errno). It fails only when the ring does (it is of no use
// after that); a send done has not been called for may then have been
// made or not.
func (r *ring) submit(done func(tag uint64, res int32)) error {
	n := r.queued
	if n == 0 {
		return nil
	}
	r.queued = 0
	atomic.StoreUint32(r.sqTail, atomic.LoadUint32(r.sqTail)+n)
	for completed := uint32(0); completed < n; {
		// The kernel takes what the tail says is unsubmitted; it stops
		// short only when a send could not be prepared (it posts that
		// send's completion) and then does not wait.
		pending := atomic.LoadUint32(r.sqTail) - atomic.LoadUint32(r.sqHead)
		_, _, e := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(pending), uintptr(n-completed), uringEnterGetevents, 0, 0)
		if e != 0 && e != unix.EINTR && e != unix.EAGAIN {
			return fmt.Errorf("io_uring_enter: %w", e)
		}
		completed += r.reap(done)
	}
	return nil
}

// reap reports the completions there are and returns how many.
func (r *ring) reap(done func(tag uint64, res int32)) uint32 {
	head, tail := atomic.LoadUint32(r.cqHead), atomic.LoadUint32(r.cqTail)
	for i := head; i != tail; i++ {
		c := r.cqes[i&r.cqMask]
		done(c.userData, c.res)
	}
	atomic.StoreUint32(r.cqHead, tail)
	return tail - head
}

// close releases the ring.
func (r *ring) close() {
	for _, b := range r.maps {
		_ = unix.Munmap(b)
	}
	r.maps = nil
	if r.fd >= 0 {
		_ = unix.Close(r.fd)
		r.fd = -1
	}
}
