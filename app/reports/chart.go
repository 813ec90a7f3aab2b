package reports

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// Chart geometry: wide enough for a month of daily bars, small enough for
// a phone's mail client to show unscaled.
const (
	chartWidth  = 560
	chartHeight = 140
	chartPad    = 8
)

var (
	chartBar  = color.RGBA{0x4f, 0x46, 0xe5, 0xff} // the dashboard's indigo
	chartGrid = color.RGBA{0xe7, 0xe5, 0xe4, 0xff}
	chartBg   = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// ChartPNG draws points as a bar chart: one bar per bucket, scaled to the
// largest, over light grid lines at quarters. No text: the email around it
// carries the numbers, and a PNG works in mail clients that drop SVG.
// The output is deterministic for the same points (golden-testable).
func ChartPNG(points []Point) ([]byte, error) {
	img := image.NewPaletted(image.Rect(0, 0, chartWidth, chartHeight), color.Palette{chartBg, chartGrid, chartBar})
	top, bottom := chartPad, chartHeight-chartPad
	for q := 0; q <= 4; q++ {
		y := top + (bottom-top)*q/4
		for x := chartPad; x < chartWidth-chartPad; x++ {
			img.SetColorIndex(x, y, 1)
		}
	}
	var peak float64
	for _, p := range points {
		peak = max(peak, p.Visitors)
	}
	if n := len(points); n > 0 && peak > 0 {
		slot := float64(chartWidth-2*chartPad) / float64(n)
		gap := max(1, int(slot/5))
		for i, p := range points {
			x0 := chartPad + int(float64(i)*slot) + gap/2
			x1 := chartPad + int(float64(i+1)*slot) - (gap - gap/2)
			h := int(p.Visitors / peak * float64(bottom-top))
			if p.Visitors > 0 && h == 0 {
				h = 1 // a day with visitors is never invisible
			}
			for y := bottom - h; y < bottom; y++ {
				for x := x0; x < x1; x++ {
					img.SetColorIndex(x, y, 2)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
