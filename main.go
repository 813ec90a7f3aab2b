// Command footfall is a privacy-first web analytics appliance in one
// binary: tracker, ingestion, storage, stats API and dashboard.
package main

import (
	"os"

	"github.com/footfallhq/footfall/app/cli"
)

// Set by the release build (-ldflags "-X main.version=…").
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(cli.Run(&cli.Env{
		Args:    os.Args[1:],
		Environ: os.Environ(),
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Assets:  assets(),
		Build:   cli.Build{Version: version, Commit: commit, Date: date},
	}))
}
