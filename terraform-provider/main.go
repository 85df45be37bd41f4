// Command terraform-provider-mailman serves the Mailman Terraform provider over the plugin protocol.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/mailman/mailman/terraform-provider/internal/provider"
)

// version is set by the release build (-ldflags "-X main.version=…").
var version = "dev"

//go:generate go -C tools run ./docsgen

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/mailman/mailman",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
