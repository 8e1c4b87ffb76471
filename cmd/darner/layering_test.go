package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering guards the one-way imports of docs/architecture.md: proto
// and numa import nothing of darner's, engine never imports ring or cmd,
// and no library package imports a binary.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}:{{join .Imports \" \"}}", "github.com/darnerdb/darner/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const mod = "github.com/darnerdb/darner/"
	forbidden := map[string][]string{
		"proto":   {"engine", "ring", "numa", "persist", "cmd"},
		"numa":    {"engine", "ring", "proto", "persist", "cmd"},
		"engine":  {"ring", "cmd"},
		"persist": {"ring", "cmd"},
		"ring":    {"cmd"},
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		rel := strings.TrimPrefix(pkg, mod)
		top, _, _ := strings.Cut(rel, "/")
		bad, ok := forbidden[top]
		if !ok {
			continue
		}
		checked++
		for _, imp := range strings.Fields(imports) {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			impTop, _, _ := strings.Cut(strings.TrimPrefix(imp, mod), "/")
			for _, b := range bad {
				if impTop == b {
					t.Errorf("%s imports %s: %s must not import %s (docs/architecture.md)", pkg, imp, top, b)
				}
			}
		}
	}
	if checked < 4 {
		t.Fatalf("checked only %d packages; go list output:\n%s", checked, out)
	}
}
