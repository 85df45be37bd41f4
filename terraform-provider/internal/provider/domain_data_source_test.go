package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestAccDomainDataSource(t *testing.T) {
	api := testAccAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckAPIEmpty(api),
		Steps: []resource.TestStep{
			// Failing lookups first: the test's final destroy runs with the last step's configuration.
			{
				Config:      `data "mailman_domain" "missing" { name = "nowhere.example.com" }`,
				ExpectError: regexpMust(`No domain named "nowhere.example.com" is registered`),
			},
			{
				Config:      `data "mailman_domain" "both" {}`,
				ExpectError: regexpMust(`(?s)Exactly one of these attributes must be configured:\s+\[id,name\]`),
			},
			{
				Config: `
resource "mailman_domain" "test" { name = "lookup.example.com" }
data "mailman_domain" "by_id" { id = mailman_domain.test.id }
data "mailman_domain" "by_name" { name = mailman_domain.test.name }
data "mailman_domain" "default" { name = "mailman.test" }
`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.mailman_domain.by_id", "name", "mailman_domain.test", "name"),
					resource.TestCheckResourceAttrPair("data.mailman_domain.by_id", "records.#", "mailman_domain.test", "records.#"),
					resource.TestCheckResourceAttrPair("data.mailman_domain.by_name", "id", "mailman_domain.test", "id"),
					resource.TestCheckResourceAttr("data.mailman_domain.by_name", "status", "pending"),
					resource.TestCheckResourceAttr("data.mailman_domain.default", "status", "verified"),
					resource.TestCheckResourceAttrSet("data.mailman_domain.default", "verified_at"),
				),
			},
		},
	})
}
