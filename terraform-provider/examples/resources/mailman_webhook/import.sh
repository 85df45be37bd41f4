# A webhook is imported by its id. The API never returns the secret again, so the
# configured secret is recorded as is on the next apply.
terraform import mailman_webhook.support_hook whk_01j9zq3k4m5n6p7r8s9t0vm1n2
