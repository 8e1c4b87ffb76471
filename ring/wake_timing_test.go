package ring

import (
	"runtime"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// wakeSide is one end of the ping-pong: a locked thread with a real poller,
// its eventfd and its "sleeping" flag, following the shard loop's protocol.
type wakeSide struct {
	p        poller
	efd      int
	sleeping atomic.Bool
	in       *SPSC[int]
	events   [16]event
}

func (w *wakeSide) kick() {
	var one = [8]byte{1}
	_, _ = unix.Write(w.efd, one[:])
}

// push sends v to the peer and wakes it if it said it is going to sleep.
func (w *wakeSide) push(peer *wakeSide, v int) {
	for !peer.in.TryPush(v) {
	}
	if peer.sleeping.Load() && peer.sleeping.CompareAndSwap(true, false) {
		peer.kick()
	}
}

// next returns the next value, sleeping in the poller when sleep is set
// (announce, re-check, block), or spinning when it is not.
func (w *wakeSide) next(sleep bool) int {
	for {
		if v, ok := w.in.TryPop(); ok {
			return v
		}
		if !sleep {
			continue
		}
		w.sleeping.Store(true)
		if w.in.Len() > 0 {
			w.sleeping.Store(false)
			continue
		}
		n, _ := w.p.wait(w.events[:], true, 0)
		w.sleeping.Store(false)
		for _, ev := range w.events[:n] {
			if tokenOp(ev.tok) == opWake {
				w.p.armWake(w.efd, token(opWake, 0, 0))
			}
		}
	}
}

func newWakeSide(b *testing.B, backend string) *wakeSide {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	var p poller
	if backend == "io_uring" {
		p, err = newUringPoller(nil)
	} else {
		p, err = newEpollPoller()
	}
	if err != nil {
		b.Fatal(err)
	}
	w := &wakeSide{p: p, efd: efd, in: NewSPSC[int](64)}
	w.p.armWake(efd, token(opWake, 0, 0))
	return w
}

// BenchmarkWake measures the cross-shard wake-up path: one op is a
// ping-pong between two locked threads over SPSC rings. "sleeping": each
// side announces sleep, re-checks and blocks in its real poller, so every
// message costs an eventfd write and a wake-up (the path an idle target
// shard takes). "busy": both sides spin on their rings and never sleep (the
// path between busy shards: no syscall at all). Their difference is the
// cost of two wake-ups.
func BenchmarkWake(b *testing.B) {
	for _, backend := range []string{"io_uring", "epoll"} {
		for _, sleep := range []bool{true, false} {
			name := backend + "/busy"
			if sleep {
				name = backend + "/sleeping"
			}
			b.Run(name, func(b *testing.B) {
				if !sleep && runtime.NumCPU() < 2 {
					b.Skip("spinning ping-pong needs two CPUs")
				}
				done := make(chan struct{})
				ready := make(chan *wakeSide)
				var a *wakeSide
				go func() {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					peer := newWakeSide(b, backend)
					ready <- peer
					a := <-ready
					for {
						v := peer.next(sleep)
						if v < 0 {
							break
						}
						peer.push(a, v)
					}
					peer.p.close()
					_ = unix.Close(peer.efd)
					close(done)
				}()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				peer := <-ready
				a = newWakeSide(b, backend)
				ready <- a
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					a.push(peer, i)
					if v := a.next(sleep); v != i {
						b.Fatalf("got %d, want %d", v, i)
					}
				}
				b.StopTimer()
				a.push(peer, -1)
				<-done
				a.p.close()
				_ = unix.Close(a.efd)
			})
		}
	}
}
