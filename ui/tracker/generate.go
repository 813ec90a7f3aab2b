// Package tracker holds the source of Footfall's tracking script
// (script.js) and the build that minifies it into the two files the
// binary serves: assets/js/script.js (everything) and
// assets/js/script.core.js (pageviews, single-page-app navigation and the
// custom events API). The build uses esbuild, pinned in go.mod as a Go
// tool, so `go generate ./ui/tracker` needs nothing but Go; CI runs it and
// fails if the committed files differ.
package tracker

//go:generate go tool esbuild script.js --minify --target=es2021 --define:FULL=true --log-level=warning --outfile=../../assets/js/script.js
//go:generate go tool esbuild script.js --minify --target=es2021 --define:FULL=false --log-level=warning --outfile=../../assets/js/script.core.js
