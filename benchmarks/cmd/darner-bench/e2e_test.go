package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/darnerdb/darner/benchmarks/harness"
)

// TestMain lets the test binary serve as the "darner-bench loadgen" child
// that the driver starts (it re-executes itself).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "loadgen" {
		loadgenMain()
		return
	}
	os.Exit(m.Run())
}

// needBinary skips without name, or fails under CI=true, where the
// servers are part of the environment.
func needBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found on PATH (CI=true requires it): %v", name, err)
		}
		t.Skipf("%s not installed (apt-get install redis-server); skipping the end-to-end driver test", name)
	}
	return p
}

// TestDriverEndToEnd runs two tiny rounds of two workloads against a real
// redis-server, with a missing darner binary, and checks what is written.
// The mix runs on go-loadgen; the ceiling on redis-benchmark when it is
// installed.
func TestDriverEndToEnd(t *testing.T) {
	needBinary(t, "redis-server")
	if _, err := exec.LookPath("taskset"); err != nil {
		t.Skip("taskset not installed")
	}
	out := t.TempDir()
	mode := "lab"
	if runtime.NumCPU() < 2 {
		mode = "unpinned"
	}
	code := run([]string{"-mode", mode, "-darner", filepath.Join(out, "no-such-darner"), "-servers", "darner,redis",
		"-workloads", "getset-32B-p16,ceiling-p1", "-duration", "300ms", "-rounds", "2",
		"-keys", "1000", "-conns", "4", "-out", out})
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	res, err := harness.ReadJSON(filepath.Join(out, "latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != mode || res.Rounds != 2 || len(res.Runs) != 8 || len(res.Summary) != 2 {
		t.Fatalf("mode %s rounds %d runs %d summaries %d", res.Mode, res.Rounds, len(res.Runs), len(res.Summary))
	}
	order := []string{}
	for _, r := range res.Runs {
		order = append(order, r.Server)
		switch r.Server {
		case harness.Darner:
			if r.Status != harness.StatusSkipped || !strings.Contains(r.Note, "not found") {
				t.Errorf("darner run: %s %s", r.Status, r.Note)
			}
		case harness.Redis:
			if r.Status != harness.StatusOK || r.Ops == 0 || r.OpsPerSec <= 0 || r.P99Ms <= 0 || r.P999Ms < r.P99Ms ||
				r.ServerCPUSec <= 0 || r.CPUPerOpUs <= 0 || r.ClientCPUSec <= 0 || r.Errors != 0 {
				t.Errorf("redis run: %+v", r)
			}
			wantTool := harness.ToolGo
			if _, err := exec.LookPath("redis-benchmark"); err == nil && r.Workload == "ceiling-p1" {
				wantTool = harness.ToolRedisBenchmark
			}
			if r.Tool != wantTool || !strings.Contains(r.ToolCmd, map[string]string{harness.ToolGo: "loadgen",
				harness.ToolRedisBenchmark: "redis-benchmark"}[wantTool]) {
				t.Errorf("%s ran with %s (%s), want %s", r.Workload, r.Tool, r.ToolCmd, wantTool)
			}
		}
	}
	// interleaved: darner, redis for each workload, round after round
	if got := strings.Join(order, ","); got != strings.Repeat("darner,redis,", 4)[:len(got)] {
		t.Errorf("run order %s", got)
	}
	for _, ext := range []string{".json", ".svg", ".txt"} {
		m, _ := filepath.Glob(filepath.Join(out, "*-*"+ext))
		if len(m) != 1 {
			t.Errorf("%s files: %v", ext, m)
		}
	}
	txt, _ := os.ReadFile(filepath.Join(out, "latest.txt"))
	if !strings.Contains(string(txt), "== ceiling-p1") || !strings.Contains(string(txt), "skipped: darner binary") {
		t.Errorf("tables:\n%s", txt)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-mode", "weird"}, {"-tool", "x"}, {"-workloads", "nope"}, {"-rounds", "0"}, {"-suite", "x"}} {
		if code := run(append(args, "-out", t.TempDir())); code == 0 {
			t.Errorf("%v accepted", args)
		}
	}
}
