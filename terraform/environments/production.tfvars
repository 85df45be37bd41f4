# production: full high availability. A NAT gateway per AZ, a multi-AZ database that cannot be
# deleted by accident, API and worker auto-scaling over a wider range, alarms to on-call.
environment       = "production"
api_domain_name   = "api.mail.example.com"
route53_zone_id   = "Z0000000000000000PRD"
ses_domains       = ["mail.example.com"]
default_domain    = "mail.example.com"
github_repository = "example-org/mailman"

one_nat_gateway_per_az = true

db_instance_class      = "db.m7g.large"
db_allocated_storage   = 100
db_multi_az            = true
db_deletion_protection = true

api_min_count            = 2
api_max_count            = 10
worker_min_count         = 2
worker_max_count         = 10
worker_scale_out_backlog = 500

log_retention_days = 90
alarm_emails       = ["mailman-oncall@example.com"]
