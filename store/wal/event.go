package wal

import "github.com/footfallhq/footfall/store"

// AppendEvent appends the WAL's compact encoding of e to dst and returns
// the extended slice. Other queues (Redis) store events in the same format,
// so an event costs the same bytes wherever it waits; the format is
// documented in codec.go and versioned by its leading byte.
func AppendEvent(dst []byte, e *store.Event) []byte { return appendEvent(dst, e) }

// DecodeEvent decodes one event from the start of src into e and returns
// the number of bytes it used. Every string field of e is a substring of
// src. It never panics on malformed input, and refuses a format it does
// not know.
func DecodeEvent(src string, e *store.Event) (int, error) { return decodeEvent(src, e) }
