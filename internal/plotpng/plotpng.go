// Package plotpng draws small labelled horizontal bar charts as PNG images, with the
// standard library's image packages and the 7x13 bitmap font of golang.org/x/image. It
// has no other dependencies, so `make demo` can picture the webhook's metrics where no
// Grafana runs.
//
// A Chart is a title, an optional subtitle and a column of Panels; each Panel is a titled
// list of Bars scaled to the largest bar of that panel, with the label on the left and
// the value on the right. The geometry is fixed by the constants below, so a test can
// tell where every bar is from the Layout that Render returns.
package plotpng

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Geometry, in pixels.
const (
	// DefaultWidth is the image width when Chart.Width is 0.
	DefaultWidth = 960
	// Margin surrounds the whole chart.
	Margin = 16
	// LineHeight is the height of one line of text (the font's inter-line height).
	LineHeight = 13
	// CharWidth is the advance of one character of the monospaced font.
	CharWidth = 7
	// BarHeight is the thickness of one bar; BarGap separates consecutive bars.
	BarHeight = 14
	BarGap    = 6
	// PanelGap separates consecutive panels.
	PanelGap = 18
	// LabelGap separates the label column from the bars, and a bar from its value.
	LabelGap = 8
	// MaxLabelChars truncates longer labels (with "...").
	MaxLabelChars = 60
	// MinPlotWidth is the narrowest bar area Render accepts.
	MinPlotWidth = 100
)

// Colours used when a Bar leaves Color zero (in order, per panel) and for the chart.
var (
	Background = color.RGBA{0xff, 0xff, 0xff, 0xff}
	TextColor  = color.RGBA{0x20, 0x20, 0x20, 0xff}
	MutedText  = color.RGBA{0x60, 0x60, 0x60, 0xff}
	AxisColor  = color.RGBA{0xb0, 0xb0, 0xb0, 0xff}
	Palette    = []color.RGBA{
		{0x1f, 0x77, 0xb4, 0xff}, // blue
		{0xd6, 0x27, 0x28, 0xff}, // red
		{0xff, 0x7f, 0x0e, 0xff}, // orange
		{0x2c, 0xa0, 0x2c, 0xff}, // green
		{0x94, 0x67, 0xbd, 0xff}, // purple
		{0x8c, 0x56, 0x4b, 0xff}, // brown
	}
)

// Bar is one labelled value. Values must be finite and not negative.
type Bar struct {
	Label string
	Value float64
	// Color fills the bar; the zero value picks the next colour of Palette.
	Color color.RGBA
}

// Panel is a titled group of bars sharing one scale: the largest value spans the whole
// bar area.
type Panel struct {
	Title string
	// Unit is printed after each value, e.g. " ms".
	Unit string
	// Decimals is the number of decimals of the printed values; 0 prints whole numbers
	// without decimals and other values with 2.
	Decimals int
	Bars     []Bar
	// Empty is printed instead of bars when Bars is empty; default "(none)".
	Empty string
}

// Chart is the whole image.
type Chart struct {
	Title    string
	Subtitle []string
	Panels   []Panel
	// Width in pixels; DefaultWidth when 0. The height follows from the content.
	Width int
}

// Layout tells where Render put things.
type Layout struct {
	Size image.Point
	// PlotX is the x of the left end of every bar; PlotWidth the length of a bar holding
	// its panel's largest value.
	PlotX, PlotWidth int
	// Bars[p][b] is the rectangle filled for bar b of panel p (empty for a zero value).
	Bars [][]image.Rectangle
}

// Render draws the chart.
func (c Chart) Render() (*image.RGBA, Layout, error) {
	width := c.Width
	if width == 0 {
		width = DefaultWidth
	}
	labelChars, valueChars := 0, 0
	for _, p := range c.Panels {
		for _, b := range p.Bars {
			if math.IsNaN(b.Value) || math.IsInf(b.Value, 0) || b.Value < 0 {
				return nil, Layout{}, fmt.Errorf("plotpng: panel %q, bar %q: value %v is not a finite, non-negative number", p.Title, b.Label, b.Value)
			}
			labelChars = max(labelChars, len(clean(b.Label, MaxLabelChars)))
			valueChars = max(valueChars, len(p.format(b.Value)))
		}
	}
	labelW := labelChars * CharWidth
	valueW := valueChars * CharWidth
	plotX := Margin + labelW
	if labelW > 0 {
		plotX += LabelGap
	}
	plotW := width - plotX - Margin - valueW - LabelGap
	if plotW < MinPlotWidth {
		return nil, Layout{}, fmt.Errorf("plotpng: width %d leaves %d pixels for the bars (labels %d, values %d); at least %d are needed", width, plotW, labelW, valueW, MinPlotWidth)
	}

	height := Margin
	if c.Title != "" {
		height += LineHeight + 4
	}
	height += len(c.Subtitle) * LineHeight
	for i, p := range c.Panels {
		if i > 0 || c.Title != "" || len(c.Subtitle) > 0 {
			height += PanelGap
		}
		height += LineHeight + BarGap
		if len(p.Bars) == 0 {
			height += LineHeight
		} else {
			height += len(p.Bars)*(BarHeight+BarGap) - BarGap
		}
	}
	height += Margin

	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(Background), image.Point{}, draw.Src)
	layout := Layout{Size: image.Pt(width, height), PlotX: plotX, PlotWidth: plotW, Bars: make([][]image.Rectangle, len(c.Panels))}

	y := Margin
	if c.Title != "" {
		text(img, Margin, y, clean(c.Title, (width-2*Margin)/CharWidth), TextColor)
		// A bold-looking title: draw it again one pixel to the right.
		text(img, Margin+1, y, clean(c.Title, (width-2*Margin)/CharWidth), TextColor)
		y += LineHeight + 4
	}
	for _, s := range c.Subtitle {
		text(img, Margin, y, clean(s, (width-2*Margin)/CharWidth), MutedText)
		y += LineHeight
	}
	for i, p := range c.Panels {
		if i > 0 || c.Title != "" || len(c.Subtitle) > 0 {
			y += PanelGap
		}
		text(img, Margin, y, clean(p.Title, (width-2*Margin)/CharWidth), TextColor)
		y += LineHeight + BarGap
		if len(p.Bars) == 0 {
			empty := p.Empty
			if empty == "" {
				empty = "(none)"
			}
			text(img, plotX, y, clean(empty, plotW/CharWidth), MutedText)
			y += LineHeight
			continue
		}
		top := y
		largest := 0.0
		for _, b := range p.Bars {
			largest = max(largest, b.Value)
		}
		layout.Bars[i] = make([]image.Rectangle, len(p.Bars))
		next := 0
		for j, b := range p.Bars {
			fill := b.Color
			if fill == (color.RGBA{}) {
				fill = Palette[next%len(Palette)]
				next++
			}
			length := BarLength(b.Value, largest, plotW)
			r := image.Rect(plotX, y, plotX+length, y+BarHeight)
			draw.Draw(img, r, image.NewUniform(fill), image.Point{}, draw.Src)
			layout.Bars[i][j] = r
			// Text is vertically centred on the bar.
			ty := y + (BarHeight-LineHeight)/2
			label := clean(b.Label, MaxLabelChars)
			text(img, plotX-LabelGap-len(label)*CharWidth, ty, label, TextColor)
			text(img, plotX+length+LabelGap, ty, p.format(b.Value), MutedText)
			y += BarHeight + BarGap
		}
		y -= BarGap
		// The axis: a one-pixel line left of the bars.
		draw.Draw(img, image.Rect(plotX-1, top-2, plotX, y+2), image.NewUniform(AxisColor), image.Point{}, draw.Src)
	}
	return img, layout, nil
}

// BarLength is the length in pixels of a bar of value v in a panel whose largest value
// is largest, on a bar area plotW wide: proportional and rounded, and at least one pixel
// for any value above zero so that a small count stays visible.
func BarLength(v, largest float64, plotW int) int {
	if v <= 0 || largest <= 0 {
		return 0
	}
	return max(1, int(math.Round(v/largest*float64(plotW))))
}

// Encode renders the chart as PNG to w.
func (c Chart) Encode(w io.Writer) (Layout, error) {
	img, layout, err := c.Render()
	if err != nil {
		return Layout{}, err
	}
	return layout, png.Encode(w, img)
}

// WriteFile renders the chart as PNG into path, replacing it.
func (c Chart) WriteFile(path string) error {
	var buf bytes.Buffer
	if _, err := c.Encode(&buf); err != nil {
		return err
	}
	if path == "" {
		return errors.New("plotpng: empty path")
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func (p Panel) format(v float64) string {
	var s string
	switch {
	case p.Decimals > 0:
		s = strconv.FormatFloat(v, 'f', p.Decimals, 64)
	case v == math.Trunc(v):
		s = strconv.FormatFloat(v, 'f', 0, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	return s + clean(p.Unit, 12)
}

// clean keeps the printable ASCII the bitmap font draws (other runes become '?') and
// truncates to n characters with "...".
func clean(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		b.WriteRune(r)
	}
	out := b.String()
	if n < 0 {
		n = 0
	}
	if len(out) > n {
		if n <= 3 {
			return out[:n]
		}
		out = out[:n-3] + "..."
	}
	return out
}

// text draws s with its top-left corner at (x, y).
func text(img draw.Image, x, y int, s string, c color.Color) {
	d := font.Drawer{
		Dst:  img,
		Src:  image.NewUniform(c),
		Face: basicfont.Face7x13,
		Dot:  fixed.P(x, y+basicfont.Face7x13.Ascent),
	}
	d.DrawString(s)
}
