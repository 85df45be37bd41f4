package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccExamplesTerraform applies examples/terraform/main.tf as it is (its versions.tf names the provider the
// way a user's configuration does; the test harness provides it instead) and destroys it.
func TestAccExamplesTerraform(t *testing.T) {
	api := testAccAPI(t)
	hcl, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "terraform", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckAPIEmpty(api),
		Steps: []resource.TestStep{{
			Config: string(hcl),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("mailman_inbox.support", "address", "support@mailman.test"),
				resource.TestCheckResourceAttrPair("mailman_inbox.support", "domain_id", "data.mailman_domain.local", "id"),
				resource.TestCheckResourceAttr("mailman_domain.acme", "status", "pending"),
				resource.TestCheckResourceAttrSet("mailman_webhook.support", "secret"),
				resource.TestCheckResourceAttr("mailman_webhook.support", "url", "http://127.0.0.1:8000/"),
				testAccCheckStateMatchesAPI(api),
			),
		}},
	})
}
