resource "mailman_inbox" "support" {
  domain_id  = mailman_domain.support.id
  local_part = "support"
  name       = "Support"

  # The worker deletes mail older than 90 days; leave it out to keep mail until it is deleted.
  retention_days = 90
}

# On the deployment's default domain, with a random local part.
resource "mailman_inbox" "scratch" {}
