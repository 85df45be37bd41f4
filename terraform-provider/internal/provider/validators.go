package provider

import (
	"context"
	"fmt"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

// eventTypes are the webhook event types openapi.yaml defines (a unit test keeps the two in step).
var eventTypes = []string{
	string(client.MessageReceived),
	string(client.MessageSent),
	string(client.MessageDelivered),
	string(client.MessageDelayed),
	string(client.MessageBounced),
	string(client.MessageComplained),
	string(client.MessageRejected),
	string(client.MessageFailed),
	string(client.MessageDeleted),
	string(client.MessageScheduled),
	string(client.MessageCanceled),
	string(client.DraftCreated),
	string(client.DraftUpdated),
	string(client.DraftDeleted),
	string(client.DomainVerified),
	string(client.WebhookTest),
}

var _ validator.String = httpURLValidator{}

// httpURLValidator accepts absolute http:// and https:// URLs with a host, as the API does.
type httpURLValidator struct{}

func (v httpURLValidator) Description(ctx context.Context) string {
	return "value must be an absolute http:// or https:// URL with a host"
}

func (v httpURLValidator) MarkdownDescription(ctx context.Context) string {
	return "value must be an absolute `http://` or `https://` URL with a host"
}

func (v httpURLValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := req.ConfigValue.ValueString()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid webhook URL",
			fmt.Sprintf("%q is not a valid webhook URL: it must be an absolute http:// or https:// URL with a host, e.g. https://app.acme.com/webhooks/mailman.", raw))
	}
}
