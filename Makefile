# darner — build, run, test, bench.
# giouring links to syscall.munmap, which Go >= 1.23 refuses without this flag;
# it is set once here and every target uses it.
GO        ?= go
LDFLAGS   := -ldflags=-checklinkname=0
export GOFLAGS := $(LDFLAGS)
BIN       := bin/darner
PORT      ?= 6379
PKGS      := ./...
TEST_TIMEOUT ?= 12m

.PHONY: all build run test test-unit test-allocs test-backends bench bench-go bench-engine fuzz lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/darner

run: build
	./$(BIN) --port $(PORT) $(ARGS)

# Every test runs on both backends; unit tests also run under the race detector.
test: lint test-unit test-allocs test-backends

test-unit:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)

# Allocation counts mean nothing under -race (sync.Pool drops items, the
# detector allocates): the zero-allocation tests run once more without it.
test-allocs:
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run 'Alloc' ./engine/... ./proto/...

test-backends:
	DARNER_TEST_BACKEND=io_uring $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./ring/... ./cmd/...
	DARNER_TEST_BACKEND=epoll    $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./ring/... ./cmd/...

# darner vs redis-server (and memcached) under the same pinned load; see benchmarks/README.md.
bench: build
	scripts/bench.sh $(BENCH_ARGS)

# Go micro-benchmarks (ns/op, allocs/op) of every package.
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Hot commands at the engine level: Go ns/op and allocs/op next to darner's
# and redis-server's INFO commandstats usec_per_call under redis-benchmark
# (scripts/bench_engine.sh; about 1.5 min; results in benchmarks/results/engine/).
bench-engine:
	scripts/bench_engine.sh

FUZZTIME ?= 60s
fuzz:
	@for t in $$($(GO) test -list 'Fuzz.*' ./proto/ | grep ^Fuzz); do \
		echo "== $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./proto/ || exit 1; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

clean:
	rm -rf bin
