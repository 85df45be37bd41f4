# A support inbox on the local stack's domain, a domain of your own waiting for its DNS records, and a webhook
# that sends the inbox's mail to a receiver (examples/webhook_receiver.py or examples/reply_bot.py).

variable "receiver_url" {
  type        = string
  description = "Where the webhook POSTs (loopback is allowed by the local backend)."
  default     = "http://127.0.0.1:8000/"
}

data "mailman_domain" "local" {
  name = "mailman.test"
}

resource "mailman_domain" "acme" {
  name = "mail.acme.example"
}

resource "mailman_inbox" "support" {
  domain_id  = data.mailman_domain.local.id
  local_part = "support"
  name       = "Support"
}

resource "mailman_webhook" "support" {
  url         = var.receiver_url
  events      = ["message.received"]
  inboxes     = [mailman_inbox.support.id]
  description = "support inbox to the local receiver"
}

output "inbox_address" {
  value = mailman_inbox.support.address
}

output "acme_dns_records" {
  description = "Publish these, then verify the domain (POST /v1/domains/{id}/verify)."
  value       = mailman_domain.acme.records
}

output "webhook_secret" {
  description = "MAILMAN_WEBHOOK_SECRET for the receiver."
  value       = mailman_webhook.support.secret
  sensitive   = true
}
