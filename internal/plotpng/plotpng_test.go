package plotpng

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	red   = color.RGBA{0xd6, 0x27, 0x28, 0xff}
	green = color.RGBA{0x2c, 0xa0, 0x2c, 0xff}
	amber = color.RGBA{0xff, 0xbf, 0x00, 0xff}
)

// decode encodes the chart and decodes the PNG back, so every check below reads the
// bytes a viewer would read, not the in-memory image.
func decode(t *testing.T, c Chart) (image.Image, Layout) {
	t.Helper()
	var buf bytes.Buffer
	layout, err := c.Encode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("output does not start with the PNG signature")
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("decode the PNG: %v", err)
	}
	return img, layout
}

func rgba(img image.Image, x, y int) color.RGBA {
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

// run counts the pixels of colour c from (x, y) in direction (dx, dy).
func run(img image.Image, x, y, dx, dy int, c color.RGBA) int {
	n := 0
	for p := image.Pt(x, y); p.In(img.Bounds()) && rgba(img, p.X, p.Y) == c; p = p.Add(image.Pt(dx, dy)) {
		n++
	}
	return n
}

func TestBarsHaveProportionalLengthsHeightsAndColours(t *testing.T) {
	c := Chart{
		Title: "decisions",
		Width: 800,
		Panels: []Panel{{
			Title: "requests",
			Bars: []Bar{
				{Label: "denied", Value: 40, Color: red},
				{Label: "allowed", Value: 20, Color: green},
				{Label: "warned", Value: 10, Color: amber},
				{Label: "error", Value: 0, Color: red},
			},
		}},
	}
	img, layout := decode(t, c)
	if got := img.Bounds().Size(); got != layout.Size || got.X != 800 {
		t.Fatalf("image size %v, layout %v, want width 800", got, layout.Size)
	}
	// 800 - margins, the label column ("allowed": 7 chars) and the value column ("40": 2).
	wantPlot := 800 - Margin - 7*CharWidth - LabelGap - Margin - 2*CharWidth - LabelGap
	if layout.PlotWidth != wantPlot || layout.PlotX != Margin+7*CharWidth+LabelGap {
		t.Fatalf("plot x %d width %d, want %d %d", layout.PlotX, layout.PlotWidth, Margin+7*CharWidth+LabelGap, wantPlot)
	}
	want := []struct {
		length int
		c      color.RGBA
	}{{wantPlot, red}, {int(math.Round(float64(wantPlot) / 2)), green}, {int(math.Round(float64(wantPlot) / 4)), amber}, {0, red}}
	rects := layout.Bars[0]
	for i, w := range want {
		r := rects[i]
		if r.Dx() != w.length {
			t.Errorf("bar %d: layout length %d, want %d", i, r.Dx(), w.length)
		}
		if w.length == 0 {
			// No pixel of any bar colour where an empty bar would start.
			if got := rgba(img, layout.PlotX, r.Min.Y+BarHeight/2); got == red || got == green || got == amber {
				t.Errorf("bar %d: zero value drew colour %v", i, got)
			}
			continue
		}
		midY := r.Min.Y + BarHeight/2
		if got := run(img, layout.PlotX, midY, 1, 0, w.c); got != w.length {
			t.Errorf("bar %d: %d pixels of %v along the bar, want %d", i, got, w.c, w.length)
		}
		if got := run(img, layout.PlotX+w.length/2, r.Min.Y, 0, 1, w.c); got != BarHeight {
			t.Errorf("bar %d: %d pixels of %v across the bar, want %d", i, got, w.c, BarHeight)
		}
		if got := rgba(img, layout.PlotX+w.length/2, r.Min.Y-1); got == w.c {
			t.Errorf("bar %d: colour bleeds above the bar", i)
		}
	}
	// Consecutive bars are BarGap apart.
	for i := 1; i < len(rects); i++ {
		if gap := rects[i].Min.Y - rects[i-1].Min.Y; gap != BarHeight+BarGap {
			t.Errorf("bars %d and %d are %d pixels apart, want %d", i-1, i, gap, BarHeight+BarGap)
		}
	}
}

func TestTextIsDrawn(t *testing.T) {
	c := Chart{Title: "T", Panels: []Panel{{Title: "p", Bars: []Bar{{Label: "some.policy_id", Value: 3, Color: red}}}}}
	img, layout := decode(t, c)
	r := layout.Bars[0][0]
	label := image.Rect(Margin, r.Min.Y-2, layout.PlotX-LabelGap, r.Max.Y+2)
	value := image.Rect(r.Max.X+LabelGap, r.Min.Y-2, r.Max.X+LabelGap+CharWidth, r.Max.Y+2)
	for name, area := range map[string]image.Rectangle{"label": label, "value": value} {
		ink := 0
		for y := area.Min.Y; y < area.Max.Y; y++ {
			for x := area.Min.X; x < area.Max.X; x++ {
				if c := rgba(img, x, y); c != Background {
					ink++
				}
			}
		}
		if ink == 0 {
			t.Errorf("no %s text drawn in %v", name, area)
		}
	}
}

func TestPanelsScaleIndependently(t *testing.T) {
	c := Chart{Panels: []Panel{
		{Title: "counts", Bars: []Bar{{Label: "a", Value: 1000}, {Label: "b", Value: 250}}},
		{Title: "ms", Unit: " ms", Bars: []Bar{{Label: "p50", Value: 0.5}, {Label: "p99", Value: 2}}},
	}}
	img, layout := decode(t, c)
	full := layout.PlotWidth
	if got := layout.Bars[0][0].Dx(); got != full {
		t.Errorf("largest bar of panel 0: %d, want %d", got, full)
	}
	if got := layout.Bars[1][1].Dx(); got != full {
		t.Errorf("largest bar of panel 1: %d, want %d", got, full)
	}
	if got, want := layout.Bars[1][0].Dx(), int(math.Round(float64(full)/4)); got != want {
		t.Errorf("p50 bar: %d, want %d", got, want)
	}
	// Default colours come from the palette, in order, per panel.
	for p := range layout.Bars {
		for b, r := range layout.Bars[p] {
			if got := rgba(img, r.Min.X, r.Min.Y); got != Palette[b] {
				t.Errorf("panel %d bar %d: colour %v, want %v", p, b, got, Palette[b])
			}
		}
	}
}

func TestTinyValuesStayVisible(t *testing.T) {
	if got := BarLength(1, 1e6, 500); got != 1 {
		t.Errorf("BarLength(1, 1e6, 500) = %d, want 1", got)
	}
	if got := BarLength(0, 10, 500); got != 0 {
		t.Errorf("BarLength(0, 10, 500) = %d, want 0", got)
	}
}

func TestEmptyPanelAndHeight(t *testing.T) {
	one := Chart{Panels: []Panel{{Title: "violations"}}}
	img, layout := decode(t, one)
	// Margin, title line, gap, the "(none)" line, margin.
	if want := Margin + LineHeight + BarGap + LineHeight + Margin; img.Bounds().Dy() != want {
		t.Errorf("height %d, want %d", img.Bounds().Dy(), want)
	}
	if len(layout.Bars[0]) != 0 {
		t.Errorf("bars for an empty panel: %v", layout.Bars[0])
	}
	two := Chart{Panels: []Panel{{Title: "a", Bars: []Bar{{Label: "x", Value: 1}, {Label: "y", Value: 2}}}}}
	img, _ = decode(t, two)
	if want := Margin + LineHeight + BarGap + 2*BarHeight + BarGap + Margin; img.Bounds().Dy() != want {
		t.Errorf("height %d, want %d", img.Bounds().Dy(), want)
	}
}

func TestRejectsBadInput(t *testing.T) {
	for name, c := range map[string]Chart{
		"NaN":      {Panels: []Panel{{Bars: []Bar{{Label: "x", Value: math.NaN()}}}}},
		"Inf":      {Panels: []Panel{{Bars: []Bar{{Label: "x", Value: math.Inf(1)}}}}},
		"negative": {Panels: []Panel{{Bars: []Bar{{Label: "x", Value: -1}}}}},
		"narrow":   {Width: 200, Panels: []Panel{{Bars: []Bar{{Label: strings.Repeat("x", 30), Value: 1}}}}},
	} {
		if _, _, err := c.Render(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLongAndNonASCIILabels(t *testing.T) {
	if got := clean(strings.Repeat("a", 100), MaxLabelChars); len(got) != MaxLabelChars || !strings.HasSuffix(got, "...") {
		t.Errorf("clean truncated to %q", got)
	}
	if got := clean("héllo\n", 10); got != "h?llo?" {
		t.Errorf("clean = %q", got)
	}
	// A long label does not push the bars off the image.
	c := Chart{Width: 700, Panels: []Panel{{Bars: []Bar{{Label: strings.Repeat("policy.", 20), Value: 5, Color: red}}}}}
	img, layout := decode(t, c)
	r := layout.Bars[0][0]
	if r.Max.X > img.Bounds().Max.X-Margin {
		t.Errorf("bar %v runs past the right margin of a %d wide image", r, img.Bounds().Dx())
	}
	if got := run(img, r.Min.X, r.Min.Y+1, 1, 0, red); got != r.Dx() {
		t.Errorf("bar drawn %d pixels, layout says %d", got, r.Dx())
	}
}

func TestDeterministicAndWriteFile(t *testing.T) {
	c := Chart{Title: "x", Subtitle: []string{"y"}, Panels: []Panel{{Title: "p", Bars: []Bar{{Label: "a", Value: 1.25}}}}}
	var a, b bytes.Buffer
	if _, err := c.Encode(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Encode(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renders of the same chart differ")
	}
	path := filepath.Join(t.TempDir(), "c.png")
	if err := c.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, a.Bytes()) {
		t.Error("WriteFile wrote other bytes than Encode")
	}
}

func TestValueFormat(t *testing.T) {
	for _, tc := range []struct {
		p    Panel
		v    float64
		want string
	}{
		{Panel{}, 42, "42"},
		{Panel{}, 1.234, "1.23"},
		{Panel{Unit: " ms", Decimals: 1}, 3, "3.0 ms"},
		{Panel{Unit: " ms"}, 0.25, "0.25 ms"},
	} {
		if got := tc.p.format(tc.v); got != tc.want {
			t.Errorf("format(%v, %+v) = %q, want %q", tc.v, tc.p, got, tc.want)
		}
	}
}
