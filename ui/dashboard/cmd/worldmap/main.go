// Command worldmap writes the dashboard's country paths
// (src/dashboard/worldpaths.ts) from the npm packages in node_modules. It
// runs from ui/dashboard (go generate does that), before the bundle.
package main

import (
	"fmt"
	"os"

	"github.com/footfallhq/footfall/ui/dashboard"
)

func main() {
	src, err := dashboard.WorldMap(".")
	if err == nil {
		err = os.WriteFile(dashboard.WorldMapFile, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
