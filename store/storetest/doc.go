// Package storetest is the conformance suite of the store contracts: every
// backend runs the same tests and must give the same answers. RunApp checks
// store.App backends; RunEvents checks store.Events backends against a
// seeded synthetic dataset (Dataset), a shared golden file and an
// independent Go oracle (Evaluate).
package storetest
