package provider

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

func regexpMust(pattern string) *regexp.Regexp { return regexp.MustCompile(pattern) }

// regexpWrapped matches text however Terraform wraps it across lines.
func regexpWrapped(text string) *regexp.Regexp {
	return regexp.MustCompile(strings.Join(strings.Fields(regexp.QuoteMeta(text)), `\s+`))
}

func TestAccInboxResource(t *testing.T) {
	api := testAccAPI(t)
	config := func(name string) string {
		return `
resource "mailman_domain" "test" { name = "inbox-test.example.com" }
resource "mailman_inbox" "test" {
  domain_id  = mailman_domain.test.id
  local_part = "sales"
  ` + name + `
}
# On the default domain with a generated local part.
resource "mailman_inbox" "random" {}
`
	}
	var id string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckAPIEmpty(api),
		Steps: []resource.TestStep{
			{
				Config: config(`name = "Sales"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("mailman_inbox.test", "id", regexpMust(`^inb_`)),
					resource.TestCheckResourceAttr("mailman_inbox.test", "address", "sales@inbox-test.example.com"),
					resource.TestCheckResourceAttr("mailman_inbox.test", "name", "Sales"),
					resource.TestMatchResourceAttr("mailman_inbox.random", "address", regexpMust(`^[a-z0-9._-]+@`+regexp.QuoteMeta(defaultDomain)+`$`)),
					resource.TestCheckNoResourceAttr("mailman_inbox.random", "name"),
					testAccStoreID("mailman_inbox.test", &id),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{ResourceName: "mailman_inbox.test", ImportState: true, ImportStateVerify: true},
			{ResourceName: "mailman_inbox.random", ImportState: true, ImportStateVerify: true},
			{
				// Renamed outside Terraform: the refresh sees it and the plan puts the name back in place.
				PreConfig: func() {
					name := "Renamed elsewhere"
					resp, err := api.InboxesUpdateWithResponse(context.Background(), id, client.InboxUpdate{Name: &name})
					if err != nil || resp.StatusCode() != http.StatusOK {
						t.Fatalf("rename inbox: %v %s", err, resp.Body)
					}
				},
				Config: config(`name = "Sales"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_inbox.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("mailman_inbox.random", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("mailman_inbox.test", "name", "Sales"),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{
				// A retention is set in place, and read back.
				Config: config("name = \"Sales\"\n  retention_days = 30"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_inbox.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("mailman_inbox.test", "retention_days", "30"),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{ResourceName: "mailman_inbox.test", ImportState: true, ImportStateVerify: true},
			{
				// Removing the name and the retention clears both in place.
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_inbox.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr("mailman_inbox.test", "name"),
					resource.TestCheckNoResourceAttr("mailman_inbox.test", "retention_days"),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{
				// Deleted outside Terraform: planned for re-creation.
				PreConfig: func() { testAccDelete(t, "inbox", id, api.InboxesDeleteWithResponse) },
				Config:    config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_inbox.test", plancheck.ResourceActionCreate),
				}},
				Check: testAccCheckStateMatchesAPI(api),
			},
		},
	})
}

func TestAccInboxResource_addressTaken(t *testing.T) {
	api := testAccAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckAPIEmpty(api),
		Steps: []resource.TestStep{{
			Config: `
resource "mailman_inbox" "first" { local_part = "taken" }
resource "mailman_inbox" "second" {
  local_part = "taken"
  depends_on = [mailman_inbox.first]
}
`,
			// The API's problem detail, quoted.
			ExpectError: regexpWrapped("HTTP 409 (inbox_address_taken): taken@mailman.test is already an inbox."),
		}},
	})
}

func TestAccInboxResource_invalidRetention(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      `resource "mailman_inbox" "bad" { retention_days = 0 }`,
			PlanOnly:    true,
			ExpectError: regexpMust(`must be between 1 and 36500`),
		}},
	})
}

func TestAccInboxResource_invalidLocalPart(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      `resource "mailman_inbox" "bad" { local_part = "Not Valid" }`,
			PlanOnly:    true,
			ExpectError: regexpMust(`must be 1-64 lowercase letters`),
		}},
	})
}
