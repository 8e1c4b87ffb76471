package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/ring"
)

// adminServer serves /metrics and /healthz on --admin_port with net/http,
// on its own goroutines (never on a shard thread). Each request gathers
// from the shards through ring.Server.Scrape, like the main port's HTTP
// answer.
type adminServer struct {
	http *http.Server
	lns  []net.Listener
}

// startAdmin listens on port at every bind address (addresses the host
// lacks are skipped, as for the main port) and serves in the background.
func startAdmin(srv *ring.Server, binds []string, port int, log *slog.Logger) (*adminServer, error) {
	mux := http.NewServeMux()
	scrape := func(path string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
			defer cancel()
			body, status, err := srv.Scrape(ctx, path)
			if err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			ctype := "text/plain; charset=utf-8"
			if path == "/metrics" {
				ctype = engine.MetricsContentType
			}
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}
	}
	mux.HandleFunc("GET /metrics", scrape("/metrics"))
	mux.HandleFunc("GET /healthz", scrape("/healthz"))
	a := &adminServer{http: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	for _, addr := range binds {
		host := addr
		if addr == "*" {
			host = ""
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			if errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) {
				log.Warn("admin port: skipping bind address: not available on this host", "addr", addr, "err", err)
				continue
			}
			a.close()
			return nil, fmt.Errorf("--admin_port: %w", err)
		}
		a.lns = append(a.lns, ln)
	}
	if len(a.lns) == 0 {
		return nil, fmt.Errorf("--admin_port %d: none of the bind addresses %v is available", port, binds)
	}
	for _, ln := range a.lns {
		go func() { _ = a.http.Serve(ln) }()
	}
	log.Info("admin HTTP server ready", "port", port, "paths", "/metrics /healthz")
	return a, nil
}

func (a *adminServer) close() {
	if a == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = a.http.Shutdown(ctx)
	for _, ln := range a.lns {
		_ = ln.Close()
	}
}
