//go:build tools

// Package tools pins the command-line tools the repository builds from the Go module proxy:
// OpenTofu (terraform fmt and the provider's acceptance tests) and actionlint (the workflows).
package tools

import (
	_ "github.com/opentofu/opentofu/cmd/tofu"
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
