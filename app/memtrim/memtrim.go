// Package memtrim hands back the memory that start-up leaves mapped but
// idle: the pages of the executable that DuckDB's and the Go runtime's
// initialisation touched.
//
// The binary is about 100 MB, most of it DuckDB. Start-up runs code spread
// over all of it, and the kernel maps 64 KB around every page it faults
// in, so about 70 MB of the executable stayed resident, counted in the
// process's RSS, although none of it runs again. The pages are clean
// copies of the file: unmapping them frees no data, and the few that run
// later come back from the page cache with a minor fault.
package memtrim

// Stats says what Release did.
type Stats struct {
	// Released is the resident size, in bytes, of the mappings unmapped.
	Released int64
	// Mappings is how many read-only mappings of the executable were
	// unmapped; mappings holding private (relocated) pages are skipped.
	Mappings int
}
