package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestAccInboxDataSource(t *testing.T) {
	api := testAccAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckAPIEmpty(api),
		Steps: []resource.TestStep{
			// Failing lookup first: the test's final destroy runs with the last step's configuration.
			{
				Config:      `data "mailman_inbox" "missing" { id = "inb_doesnotexist" }`,
				ExpectError: regexpMust(`HTTP 404 \(not_found\)`),
			},
			{
				Config: `
resource "mailman_inbox" "test" {
  local_part = "lookup"
  name       = "Lookup"
}
data "mailman_inbox" "by_id" { id = mailman_inbox.test.id }
data "mailman_inbox" "by_address" { address = upper(mailman_inbox.test.address) }
`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.mailman_inbox.by_id", "address", "mailman_inbox.test", "address"),
					resource.TestCheckResourceAttrPair("data.mailman_inbox.by_id", "domain_id", "mailman_inbox.test", "domain_id"),
					resource.TestCheckResourceAttr("data.mailman_inbox.by_id", "name", "Lookup"),
					resource.TestCheckResourceAttrPair("data.mailman_inbox.by_address", "id", "mailman_inbox.test", "id"),
					resource.TestCheckResourceAttr("data.mailman_inbox.by_address", "local_part", "lookup"),
				),
			},
		},
	})
}
