package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

func TestAccWebhookResource(t *testing.T) {
	api := testAccAPI(t)
	const created = `
resource "mailman_inbox" "test" { local_part = "hooked" }
resource "mailman_webhook" "test" {
  url         = "http://127.0.0.1:9/hook"
  events      = ["message.received", "message.sent"]
  inboxes     = [mailman_inbox.test.id]
  description = "Created by the acceptance tests"
  enabled     = false
}
`
	const updated = `
resource "mailman_inbox" "test" { local_part = "hooked" }
resource "mailman_webhook" "test" {
  url    = "https://hooks.example.com/mailman"
  events = ["message.bounced"]
}
`
	var id string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckAPIEmpty(api),
		Steps: []resource.TestStep{
			{
				Config: created,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("mailman_webhook.test", "id", regexpMust(`^whk_`)),
					// No secret configured: the one Mailman generated is kept in state.
					resource.TestMatchResourceAttr("mailman_webhook.test", "secret", secretPattern),
					resource.TestCheckResourceAttr("mailman_webhook.test", "enabled", "false"),
					resource.TestCheckResourceAttr("mailman_webhook.test", "events.#", "2"),
					testAccStoreID("mailman_webhook.test", &id),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{ResourceName: "mailman_webhook.test", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"secret"}},
			{
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_webhook.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("mailman_webhook.test", "url", "https://hooks.example.com/mailman"),
					resource.TestCheckResourceAttr("mailman_webhook.test", "inboxes.#", "0"),
					resource.TestCheckNoResourceAttr("mailman_webhook.test", "description"),
					resource.TestCheckResourceAttr("mailman_webhook.test", "enabled", "true"),
					resource.TestMatchResourceAttr("mailman_webhook.test", "secret", secretPattern),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{
				// Deleted outside Terraform: planned for re-creation.
				PreConfig: func() { testAccDelete(t, "webhook", id, api.WebhooksDeleteWithResponse) },
				Config:    updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_webhook.test", plancheck.ResourceActionCreate),
				}},
				Check: testAccCheckStateMatchesAPI(api),
			},
		},
	})
}

// TestAccWebhookResource_invalid checks that bad input fails at plan, before any API call.
func TestAccWebhookResource_invalid(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
resource "mailman_webhook" "bad" {
  url    = "https://app.acme.com/webhooks/mailman"
  events = ["message.recieved"]
}`,
				PlanOnly:    true,
				ExpectError: regexpMust(`(?s)value must be one of:.*"message.received".*got:\s+"message.recieved"`),
			},
			{
				Config: `
resource "mailman_webhook" "bad" {
  url    = "app.acme.com/webhooks/mailman"
  events = ["message.received"]
}`,
				PlanOnly:    true,
				ExpectError: regexpWrapped(`"app.acme.com/webhooks/mailman" is not a valid webhook URL: it must be an absolute http:// or https:// URL`),
			},
			{
				Config: `
resource "mailman_webhook" "bad" {
  url    = "https://app.acme.com/webhooks/mailman"
  events = ["message.received"]
  secret = "not-a-secret"
}`,
				PlanOnly:    true,
				ExpectError: regexpMust("must be `whsec_` followed by base64"),
			},
		},
	})
}
