//go:build linux

package serve

import (
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A ring's send to a socket whose buffer is full completes at once with
// EAGAIN (a writer never waits on a slow client); one to a socket with
// room completes with the bytes it took.
func TestRingSendNeverWaits(t *testing.T) {
	r, err := newRing(8)
	needRing(t, err)
	defer r.close()
	full, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	free, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(full[0])
	defer unix.Close(free[0])
	defer unix.Close(free[1])
	chunk := make([]byte, 64<<10)
	for {
		if _, err := unix.Write(full[0], chunk); err == unix.EAGAIN {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	msg := []byte("hello")
	iov := []unix.Iovec{{Base: unsafe.SliceData(msg)}}
	iov[0].SetLen(len(msg))
	hdrs := make([]unix.Msghdr, 2)
	for i := range hdrs {
		hdrs[i].Iov = &iov[0]
		hdrs[i].SetIovlen(1)
	}
	r.sendmsg(full[0], &hdrs[0], 7)
	r.sendmsg(free[0], &hdrs[1], 9)
	got := map[uint64]int32{}
	// Submitted from this goroutine (its stack, which holds the headers,
	// stays put during the call); should the send wait, closing the full
	// socket's peer ends it.
	waited := time.AfterFunc(5*time.Second, func() { _ = unix.Close(full[1]) })
	if err := r.submit(func(tag uint64, res int32) { got[tag] = res }); err != nil {
		t.Fatal(err)
	}
	if !waited.Stop() {
		t.Fatal("a send to a full socket waited")
	}
	_ = unix.Close(full[1])
	if got[7] != -int32(unix.EAGAIN) || got[9] != int32(len(msg)) || len(got) != 2 {
		t.Fatalf("results %v; want 7: -EAGAIN (%d), 9: %d", got, -int32(unix.EAGAIN), len(msg))
	}
	buf := make([]byte, 16)
	if n, err := unix.Read(free[1], buf); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("the free socket's peer read %q, %v", buf[:n], err)
	}
}
