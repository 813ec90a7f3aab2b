// Package deploy holds the files that run Footfall outside a plain binary
// install: Docker Compose files for a homelab and for SaaS mode, and
// Kubernetes manifests under k8s/. It has no Go code of its own; its test
// checks those files (and the Dockerfile at the repository root) against
// the program, because neither Docker nor a cluster runs in CI.
package deploy
