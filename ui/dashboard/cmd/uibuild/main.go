// Command uibuild bundles the dashboard into assets/ui/, replacing what
// was there. It runs from ui/dashboard (go generate does that).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/footfallhq/footfall/ui/dashboard"
)

func main() {
	if err := run(".", filepath.Join("..", "..", "assets", "ui")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	files, err := dashboard.Build(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	old, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range old {
		if _, keep := files[e.Name()]; !keep && !e.IsDir() {
			if err := os.Remove(filepath.Join(out, e.Name())); err != nil {
				return err
			}
		}
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(out, name), body, 0o644); err != nil {
			return err
		}
	}
	return nil
}
