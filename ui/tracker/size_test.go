package tracker

import (
	"bytes"
	"compress/gzip"
	"os"
	"testing"
)

// TestSizes holds the built tracker to its budgets (DESIGN §8), measured
// like `gzip -9`.
func TestSizes(t *testing.T) {
	for _, tt := range []struct {
		file   string
		budget int
	}{
		{"script.core.js", 800},
		{"script.js", 1600},
	} {
		src, err := os.ReadFile("../../assets/js/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(src)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes, %d gzipped", tt.file, len(src), buf.Len())
		if buf.Len() > tt.budget {
			t.Errorf("%s is %d bytes gzipped, over its budget of %d", tt.file, buf.Len(), tt.budget)
		}
	}
}
