//go:build tools

// Package tools records the main package built by scripts/control-plane.sh,
// so that `go mod tidy` keeps its whole dependency graph in go.mod and go.sum.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
