package harness

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
)

// serverColor gives each server a fixed colour across charts.
var serverColor = map[string]string{Darner: "#e8590c", Redis: "#c92a2a", Memcached: "#1971c2"}

func colorOf(s string) string {
	if c, ok := serverColor[s]; ok {
		return c
	}
	return "#495057"
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten, for an axis.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// panel draws one bar chart of metric (median bar, min–max whisker) for
// every workload and server at vertical offset y0.
// ratio, if not nil, labels each group (darner's ratio to the others).
func panel(b *bytes.Buffer, sums []WorkloadSummary, servers []string, title string, metric func(ServerSummary) Spread,
	unit func(float64) string, ratio func(WorkloadSummary) string, y0, width float64) {
	const left, plotH, groupPad, barW = 70.0, 200.0, 24.0, 16.0
	top := y0 + 52
	maxV := 0.0
	for _, s := range sums {
		for _, ss := range s.Servers {
			if ss.Status == StatusOK {
				maxV = max(maxV, metric(ss).Max)
			}
		}
	}
	axis := niceMax(maxV)
	ticks := 5 // steps of 0.2 or 1 times a power of ten
	if lead := axis / math.Pow(10, math.Floor(math.Log10(axis))); lead > 1.5 && lead < 3 {
		ticks = 4 // 2 → steps of 0.5
	}
	fmt.Fprintf(b, `<text x="%g" y="%g" class="title">%s</text>`+"\n", left, y0+16, esc(title))
	if ratio != nil {
		fmt.Fprintf(b, `<text x="%g" y="%g" class="tick">bold: darner ÷ other server, median of paired rounds; whiskers: min–max</text>`+"\n", left, y0+29)
	}
	for i := 0; i <= ticks; i++ {
		v := axis * float64(i) / float64(ticks)
		y := top + plotH - plotH*float64(i)/float64(ticks)
		fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" class="grid"/>`+"\n", left, y, width-10, y)
		fmt.Fprintf(b, `<text x="%g" y="%g" class="tick" text-anchor="end">%s</text>`+"\n", left-4, y+4, esc(unit(v)))
	}
	x := left + groupPad/2
	for _, s := range sums {
		gx := x
		for _, srv := range servers {
			var ss *ServerSummary
			for i := range s.Servers {
				if s.Servers[i].Server == srv {
					ss = &s.Servers[i]
				}
			}
			if ss == nil {
				continue
			}
			if ss.Status != StatusOK {
				fmt.Fprintf(b, `<text x="%g" y="%g" class="na" transform="rotate(-90 %g %g)">%s: %s</text>`+"\n",
					x+barW/2+3, top+plotH-4, x+barW/2+3, top+plotH-4, esc(srv), esc(ss.Status))
				x += barW
				continue
			}
			m := metric(*ss)
			h := plotH * m.Median / axis
			fmt.Fprintf(b, `<rect class="bar" x="%g" y="%g" width="%g" height="%g" fill="%s"><title>%s %s: %s (min %s, max %s)</title></rect>`+"\n",
				x, top+plotH-h, barW-2, h, colorOf(srv), esc(s.Workload), esc(srv), esc(unit(m.Median)), esc(unit(m.Min)), esc(unit(m.Max)))
			if m.N > 1 {
				cx := x + (barW-2)/2
				fmt.Fprintf(b, `<line class="whisker" x1="%g" y1="%g" x2="%g" y2="%g"/>`+"\n",
					cx, top+plotH-plotH*m.Min/axis, cx, top+plotH-plotH*m.Max/axis)
			}
			x += barW
		}
		lx := (gx + x) / 2
		if ratio != nil {
			if r := ratio(s); r != "" {
				fmt.Fprintf(b, `<text x="%g" y="%g" class="ratio" text-anchor="middle">%s</text>`+"\n", lx, top-2, esc(r))
			}
		}
		ly := top + plotH + 10
		fmt.Fprintf(b, `<text x="%g" y="%g" class="label" text-anchor="end" transform="rotate(-35 %g %g)">%s</text>`+"\n",
			lx, ly, lx, ly, esc(s.Workload))
		x += groupPad
	}
}

// ChartSVG draws the summaries as an SVG image: ops/s on top, p99 latency
// below, one group of bars per workload and one bar per server (median
// over rounds, with a min–max whisker); then, when mem is not empty, RSS
// per key per server. It is written by hand so the harness needs no
// plotting module.
func ChartSVG(sums []WorkloadSummary, mem []MemoryRecord, caption string) []byte {
	var servers []string
	bars := 0
	for _, s := range sums {
		for _, ss := range s.Servers {
			if !contains(servers, ss.Server) {
				servers = append(servers, ss.Server)
			}
		}
		bars += len(s.Servers)
	}
	width := math.Max(560, 70+float64(bars)*16+float64(len(sums))*24+20)
	const panelH = 335.0
	height := 40 + 2*panelH + 20
	if len(mem) > 0 {
		height += memPanelH
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif">`+"\n", width, height, width, height)
	b.WriteString(`<style>.title{font-size:14px;font-weight:bold}.tick{font-size:10px;fill:#495057}.label{font-size:10px}` +
		`.na{font-size:9px;fill:#868e96}.grid{stroke:#dee2e6;stroke-width:1}.whisker{stroke:#212529;stroke-width:1.5}.cap{font-size:11px;fill:#495057}.ratio{font-size:10px;font-weight:bold;fill:#212529}</style>` + "\n")
	fmt.Fprintf(&b, `<rect width="%g" height="%g" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="10" y="16" class="cap">%s</text>`+"\n", esc(caption))
	// legend
	lx := 10.0
	for _, s := range servers {
		fmt.Fprintf(&b, `<rect x="%g" y="24" width="10" height="10" fill="%s"/><text x="%g" y="33" class="label">%s</text>`+"\n", lx, colorOf(s), lx+14, esc(s))
		lx += 14 + 8*float64(len(s)) + 16
	}
	ratio := func(pick func(Ratio) Spread) func(WorkloadSummary) string {
		return func(s WorkloadSummary) string {
			var parts []string
			for _, r := range s.Ratios {
				if sp := pick(r); sp.N > 0 {
					parts = append(parts, fmt.Sprintf("%.2f×", sp.Median))
				}
			}
			return strings.Join(parts, " ")
		}
	}
	panel(&b, sums, servers, "ops/s (higher is better)", func(s ServerSummary) Spread { return s.OpsPerSec },
		kilo, ratio(func(r Ratio) Spread { return r.OpsPerSec }), 40, width)
	panel(&b, sums, servers, "p99 latency, ms (lower is better)", func(s ServerSummary) Spread { return s.P99Ms },
		msText, ratio(func(r Ratio) Spread { return r.P99Ms }), 40+panelH, width)
	if len(mem) > 0 {
		memPanel(&b, mem, 40+2*panelH+10)
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

const memPanelH = 60.0 + 24*3

// memPanel draws one horizontal bar per server: RSS bytes per key.
func memPanel(b *bytes.Buffer, mem []MemoryRecord, y0 float64) {
	const left, barH, plotW = 90.0, 18.0, 360.0
	maxV := 0.0
	for _, m := range mem {
		if m.Status == StatusOK {
			maxV = max(maxV, m.RSSPerKey, m.UsedMemPerKey)
		}
	}
	axis := niceMax(maxV)
	title := "memory, RSS bytes per key (lower is better)"
	if len(mem) > 0 {
		title = fmt.Sprintf("memory, RSS bytes per key after %s keys of %d B (lower is better)", CountName(mem[0].Keys), mem[0].ValueBytes)
	}
	fmt.Fprintf(b, `<text x="%g" y="%g" class="title">%s</text>`+"\n", left-80, y0+16, esc(title))
	y := y0 + 30
	for _, m := range mem {
		fmt.Fprintf(b, `<text x="%g" y="%g" class="label" text-anchor="end">%s</text>`+"\n", left-6, y+barH-5, esc(m.Server))
		if m.Status != StatusOK {
			fmt.Fprintf(b, `<text x="%g" y="%g" class="na">%s</text>`+"\n", left+4, y+barH-5, esc(m.Status))
		} else {
			w := plotW * max(0, m.RSSPerKey) / axis
			fmt.Fprintf(b, `<rect class="membar" x="%g" y="%g" width="%g" height="%g" fill="%s"/>`+"\n", left, y, w, barH, colorOf(m.Server))
			fmt.Fprintf(b, `<text x="%g" y="%g" class="label">%.0f B/key</text>`+"\n", left+w+4, y+barH-5, m.RSSPerKey)
		}
		y += barH + 6
	}
}

// WriteSVG writes ChartSVG's output to path atomically.
func WriteSVG(path string, sums []WorkloadSummary, mem []MemoryRecord, caption string) error {
	return writeFileAtomic(path, ChartSVG(sums, mem, caption))
}

// msText formats a latency axis label.
func msText(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 10:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
