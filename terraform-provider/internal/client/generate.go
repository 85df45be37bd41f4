// Package client is the Mailman API client generated from ../openapi.yaml by oapi-codegen.
package client

//go:generate go tool oapi-codegen --config=oapi-codegen.yaml -o client.gen.go ../../../openapi.yaml
