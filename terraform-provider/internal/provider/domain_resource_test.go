package provider

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

func TestAccDomainResource(t *testing.T) {
	api := testAccAPI(t)
	const config = `resource "mailman_domain" "test" { name = "domain-test.example.com" }`
	var id string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckAPIEmpty(api),
		Steps: []resource.TestStep{
			{
				Config:      `resource "mailman_domain" "test" { name = "Mail.Acme.com." }`,
				PlanOnly:    true,
				ExpectError: regexpWrapped("must be lowercase, without spaces or a trailing dot"),
			},
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("mailman_domain.test", "id", regexpMust(`^dom_`)),
					resource.TestCheckResourceAttr("mailman_domain.test", "status", "pending"),
					resource.TestCheckResourceAttrSet("mailman_domain.test", "records.#"),
					resource.TestCheckNoResourceAttr("mailman_domain.test", "verified_at"),
					testAccStoreID("mailman_domain.test", &id),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{ResourceName: "mailman_domain.test", ImportState: true, ImportStateVerify: true},
			{
				// Deleted outside Terraform: the refresh drops it and the plan creates it again.
				PreConfig: func() { testAccDelete(t, "domain", id, api.DomainsDeleteWithResponse) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_domain.test", plancheck.ResourceActionCreate),
				}},
				Check: testAccCheckStateMatchesAPI(api),
			},
		},
	})
}

// testAccStoreID copies a resource's id out of state for use in a later PreConfig.
func testAccStoreID(name string, id *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		*id = rs.Primary.ID
		return nil
	}
}

// testAccDelete deletes something through the API behind Terraform's back.
func testAccDelete[R interface{ StatusCode() int }](t *testing.T, kind, id string,
	del func(context.Context, string, ...client.RequestEditorFn) (R, error)) {
	t.Helper()
	resp, err := del(context.Background(), id)
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete %s %s: %v (HTTP %d)", kind, id, err, resp.StatusCode())
	}
}
