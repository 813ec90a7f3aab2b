// Package docs holds the operator documentation. It has no code; its test
// keeps OPERATIONS.md in step with the program: the metrics table, the
// configuration variables and the tests it names.
package docs
