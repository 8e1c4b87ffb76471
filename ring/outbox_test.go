package ring

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/darnerdb/darner/engine"
)

// TestFullHopRings runs with SPSC rings of capacity 2, so that hops and
// their replies keep finding the ring full and wait in the outboxes; every
// reply must still arrive, in order, and nothing may be lost.
func TestFullHopRings(t *testing.T) {
	old := hopRingCap
	hopRingCap = 2
	defer func() { hopRingCap = old }()
	for _, backend := range []string{"io_uring", "epoll"} {
		t.Run(backend, func(t *testing.T) {
			srv, err := NewServer(Config{Shards: 4, ForceEpoll: backend == "epoll", Bind: []string{"127.0.0.1"},
				NoPin: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := srv.Shutdown(ctx); err != nil {
					t.Error(err)
				}
			}()
			var wg sync.WaitGroup
			errs := make(chan error, 32)
			for cl := 0; cl < 32; cl++ {
				wg.Add(1)
				go func(cl int) {
					defer wg.Done()
					errs <- fullRingsClient(srv.Port(), cl)
				}(cl)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// fullRingsClient pipelines SET/GET pairs on keys of every shard, with a
// PING every 10 commands to cut the runs into many small hops.
func fullRingsClient(port, cl int) error {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	var req, want strings.Builder
	for i := 0; i < 400; i++ {
		k := fmt.Sprintf("c%d:%d", cl, i)
		v := fmt.Sprintf("v%d", engine.ShardOf([]byte(k), 4)*1000+i)
		fmt.Fprintf(&req, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
		fmt.Fprintf(&req, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(k), k)
		fmt.Fprintf(&want, "+OK\r\n$%d\r\n%s\r\n", len(v), v)
		if i%10 == 9 {
			req.WriteString("PING\r\n")
			want.WriteString("+PONG\r\n")
		}
	}
	go func() { _, _ = c.Write([]byte(req.String())) }()
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(bufio.NewReader(c), got); err != nil {
		return fmt.Errorf("client %d: %v", cl, err)
	}
	if string(got) != want.String() {
		return fmt.Errorf("client %d: replies differ", cl)
	}
	return nil
}
