package provider

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

// specHCL is the example configuration of the provider README, verbatim, plus the variable it refers to.
const specHCL = `
variable "webhook_secret" {
  type      = string
  sensitive = true
}

resource "mailman_domain" "support" { name = "mail.acme.com" }
resource "mailman_inbox" "support" {
  domain_id  = mailman_domain.support.id
  local_part = "support"
  name       = "Support"
}
resource "mailman_webhook" "support_hook" {
  url     = "https://app.acme.com/webhooks/mailman"
  events  = ["message.received"]
  inboxes = [mailman_inbox.support.id]
  secret  = var.webhook_secret
}
`

const testWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestAccSpecExample applies the README example configuration, imports each resource, changes the inbox
// name and webhook events in place, renames the domain (a replacement) and destroys everything.
func TestAccSpecExample(t *testing.T) {
	api := testAccAPI(t)
	updated := strings.NewReplacer(
		`name       = "Support"`, `name       = "Customer Support"`,
		`events  = ["message.received"]`, `events  = ["message.received", "message.bounced"]`,
	).Replace(specHCL)
	renamed := strings.Replace(updated, `"mail.acme.com"`, `"mail2.acme.com"`, 1)
	variables := config.Variables{"webhook_secret": config.StringVariable(testWebhookSecret)}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckAPIEmpty(api),
		Steps: []resource.TestStep{
			{
				Config:          specHCL,
				ConfigVariables: variables,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("mailman_domain.support", "name", "mail.acme.com"),
					resource.TestCheckResourceAttr("mailman_domain.support", "status", "pending"),
					resource.TestCheckResourceAttrSet("mailman_domain.support", "records.0.value"),
					resource.TestCheckResourceAttr("mailman_inbox.support", "address", "support@mail.acme.com"),
					resource.TestCheckResourceAttrPair("mailman_inbox.support", "domain_id", "mailman_domain.support", "id"),
					resource.TestCheckResourceAttrPair("mailman_webhook.support_hook", "inboxes.0", "mailman_inbox.support", "id"),
					resource.TestCheckResourceAttr("mailman_webhook.support_hook", "secret", testWebhookSecret),
					resource.TestCheckResourceAttr("mailman_webhook.support_hook", "enabled", "true"),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{ResourceName: "mailman_domain.support", ConfigVariables: variables, ImportState: true, ImportStateVerify: true},
			{ResourceName: "mailman_inbox.support", ConfigVariables: variables, ImportState: true, ImportStateVerify: true},
			{
				ResourceName: "mailman_webhook.support_hook", ConfigVariables: variables, ImportState: true, ImportStateVerify: true,
				// The API returns the secret only when the webhook is created.
				ImportStateVerifyIgnore: []string{"secret"},
			},
			{
				Config:          updated,
				ConfigVariables: variables,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_domain.support", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("mailman_inbox.support", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("mailman_webhook.support_hook", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("mailman_inbox.support", "name", "Customer Support"),
					resource.TestCheckTypeSetElemAttr("mailman_webhook.support_hook", "events.*", "message.bounced"),
					resource.TestCheckResourceAttr("mailman_webhook.support_hook", "events.#", "2"),
					testAccCheckStateMatchesAPI(api),
				),
			},
			{
				Config:          renamed,
				ConfigVariables: variables,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("mailman_domain.support", plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction("mailman_inbox.support", plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction("mailman_webhook.support_hook", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("mailman_domain.support", "name", "mail2.acme.com"),
					resource.TestCheckResourceAttr("mailman_inbox.support", "address", "support@mail2.acme.com"),
					testAccCheckStateMatchesAPI(api),
				),
			},
		},
	})
}

// testAccCheckStateMatchesAPI compares every mailman_* resource in state with what the API returns.
func testAccCheckStateMatchesAPI(api *client.ClientWithResponses) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		for name, rs := range s.RootModule().Resources {
			attrs := rs.Primary.Attributes
			var want map[string]string
			switch rs.Type {
			case "mailman_domain":
				got, err := api.DomainsRetrieveWithResponse(ctx, rs.Primary.ID)
				if err != nil || got.JSON200 == nil {
					return fmt.Errorf("%s: GET domain %s: %v %s", name, rs.Primary.ID, err, got.Body)
				}
				want = map[string]string{"name": got.JSON200.Name, "status": string(got.JSON200.Status),
					"records.#": fmt.Sprint(len(got.JSON200.Records))}
			case "mailman_inbox":
				got, err := api.InboxesRetrieveWithResponse(ctx, rs.Primary.ID)
				if err != nil || got.JSON200 == nil {
					return fmt.Errorf("%s: GET inbox %s: %v %s", name, rs.Primary.ID, err, got.Body)
				}
				want = map[string]string{"domain_id": got.JSON200.DomainId, "local_part": got.JSON200.LocalPart,
					"address": string(got.JSON200.Address), "name": deref(got.JSON200.Name), "retention_days": ""}
				if days := got.JSON200.RetentionDays; days != nil {
					want["retention_days"] = fmt.Sprint(*days)
				}
			case "mailman_webhook":
				got, err := api.WebhooksRetrieveWithResponse(ctx, rs.Primary.ID)
				if err != nil || got.JSON200 == nil {
					return fmt.Errorf("%s: GET webhook %s: %v %s", name, rs.Primary.ID, err, got.Body)
				}
				want = map[string]string{"url": got.JSON200.Url, "enabled": fmt.Sprint(got.JSON200.Enabled),
					"description": deref(got.JSON200.Description)}
				var events []string
				for _, e := range got.JSON200.Events {
					events = append(events, string(e))
				}
				if err := compareSet(name, "events", attrs, events); err != nil {
					return err
				}
				if err := compareSet(name, "inboxes", attrs, got.JSON200.InboxIds); err != nil {
					return err
				}
			default:
				continue
			}
			for key, value := range want {
				if attrs[key] != value {
					return fmt.Errorf("%s.%s: state has %q, API has %q", name, key, attrs[key], value)
				}
			}
		}
		return nil
	}
}

func compareSet(name, attr string, attrs map[string]string, api []string) error {
	var state []string
	for key, value := range attrs {
		if strings.HasPrefix(key, attr+".") && key != attr+".#" {
			state = append(state, value)
		}
	}
	slices.Sort(state)
	api = slices.Sorted(slices.Values(api))
	if !slices.Equal(state, api) {
		return fmt.Errorf("%s.%s: state has %v, API has %v", name, attr, state, api)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// testAccCheckAPIEmpty confirms that no inbox, webhook or domain (besides the default one) is left.
func testAccCheckAPIEmpty(api *client.ClientWithResponses) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		inboxes, err := api.InboxesListWithResponse(ctx, nil)
		if err != nil || inboxes.StatusCode() != http.StatusOK {
			return fmt.Errorf("list inboxes: %v %s", err, inboxes.Body)
		}
		if len(inboxes.JSON200.Data) > 0 {
			return fmt.Errorf("inboxes left after destroy: %+v", inboxes.JSON200.Data)
		}
		webhooks, err := api.WebhooksListWithResponse(ctx, nil)
		if err != nil || webhooks.StatusCode() != http.StatusOK {
			return fmt.Errorf("list webhooks: %v %s", err, webhooks.Body)
		}
		if len(webhooks.JSON200.Data) > 0 {
			return fmt.Errorf("webhooks left after destroy: %+v", webhooks.JSON200.Data)
		}
		domains, err := api.DomainsListWithResponse(ctx, nil)
		if err != nil || domains.StatusCode() != http.StatusOK {
			return fmt.Errorf("list domains: %v %s", err, domains.Body)
		}
		for _, d := range domains.JSON200.Data {
			if d.Name != defaultDomain {
				return fmt.Errorf("domain left after destroy: %s (%s)", d.Name, d.Id)
			}
		}
		return nil
	}
}

// defaultDomain is the domain mailman-server dev creates and verifies at start.
const defaultDomain = "mailman.test"
