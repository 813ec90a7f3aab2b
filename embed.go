package main

import (
	"embed"
	"io/fs"
)

// assetFiles holds everything the binary serves: the built tracker, the
// built UI and static files. It is passed down as an fs.FS, never read
// through a global elsewhere.
//
//go:embed all:assets
var assetFiles embed.FS

func assets() fs.FS {
	sub, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		panic(err) // the directory is embedded at build time; it always exists
	}
	return sub
}
