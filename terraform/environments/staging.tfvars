# staging: production's shape at a smaller size. Multi-AZ database, two API tasks, modest scaling.
environment       = "staging"
api_domain_name   = "api.staging.mail.example.com"
route53_zone_id   = "Z00000000000000STAGE"
ses_domains       = ["staging.mail.example.com"]
default_domain    = "staging.mail.example.com"
github_repository = "example-org/mailman"

one_nat_gateway_per_az = false

db_instance_class      = "db.t3.small"
db_allocated_storage   = 50
db_multi_az            = true
db_deletion_protection = true

api_min_count            = 2
api_max_count            = 4
worker_min_count         = 1
worker_max_count         = 4
worker_scale_out_backlog = 100

log_retention_days = 30
alarm_emails       = ["mailman-staging-alerts@example.com"]
