resource "mailman_webhook" "support_hook" {
  url     = "https://app.acme.com/webhooks/mailman"
  events  = ["message.received"]
  inboxes = [mailman_inbox.support.id]
  secret  = var.webhook_secret
}

variable "webhook_secret" {
  description = "whsec_ followed by the base64 of 24-64 random bytes; omit the argument to let Mailman generate one."
  type        = string
  sensitive   = true
}
