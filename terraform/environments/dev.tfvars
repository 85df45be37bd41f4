# dev: the smallest thing that runs. A single-AZ database, one NAT gateway, one task of each service,
# and the database may be thrown away. (The VPC still spans two AZs: the ALB and the DB subnet group need two.)
environment       = "dev"
api_domain_name   = "api.dev.mail.example.com"
route53_zone_id   = "Z0000000000000000DEV"
ses_domains       = ["dev.mail.example.com"]
default_domain    = "dev.mail.example.com"
github_repository = "example-org/mailman"

one_nat_gateway_per_az = false

db_instance_class      = "db.t3.micro"
db_allocated_storage   = 20
db_multi_az            = false
db_deletion_protection = false

api_min_count    = 1
api_max_count    = 1
worker_min_count = 1
worker_max_count = 1

log_retention_days = 7
alarm_emails       = []
