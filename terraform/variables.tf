variable "environment" {
  description = "Deployment environment; selects the tfvars file and appears in every name."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "production"], var.environment)
    error_message = "environment must be dev, staging or production."
  }
}

variable "region" {
  description = "AWS region of the whole deployment (SES receiving exists in only a few regions)."
  type        = string
  default     = "us-east-1"
}

variable "azs" {
  description = "Availability zones the subnets are spread over."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b"]
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; subnets are carved out of it."
  type        = string
  default     = "10.0.0.0/16"
}

variable "one_nat_gateway_per_az" {
  description = "One NAT gateway per availability zone (highly available) instead of a single shared one."
  type        = bool
  default     = false
}

variable "api_domain_name" {
  description = "Host name the API is served on (ACM certificate and ALB), e.g. api.mail.example.com."
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone that holds api_domain_name; the ACM validation and alias records go there."
  type        = string
}

variable "ses_domains" {
  description = "Mail domains: each gets an SES identity with Easy DKIM and is received by the receipt rule."
  type        = list(string)

  validation {
    condition     = length(var.ses_domains) > 0
    error_message = "ses_domains needs at least one domain."
  }
}

variable "default_domain" {
  description = "MAILMAN_DEFAULT_DOMAIN: domain for inboxes created without domain_id (null: none)."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Tag of the mailman-api and mailman-worker images in ECR to run (e.g. sha-<git sha>)."
  type        = string
  default     = "latest"
}

variable "api_token_secret_arn" {
  description = "Secrets Manager secret holding MAILMAN_API_TOKEN, the bootstrap admin token (null: none; create keys with `mailman-server api-keys create`)."
  type        = string
  default     = null
}

variable "db_instance_class" {
  description = "RDS instance class of the PostgreSQL database."
  type        = string
  default     = "db.t3.micro"
}

variable "db_allocated_storage" {
  description = "Initial storage of the database in GiB (it grows automatically up to ten times this)."
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "Run the database with a synchronous standby in a second availability zone."
  type        = bool
  default     = true
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (and take a final snapshot when it is deleted anyway)."
  type        = bool
  default     = true
}

variable "api_min_count" {
  description = "Fewest API tasks (also the starting count)."
  type        = number
  default     = 1
}

variable "api_max_count" {
  description = "Most API tasks target tracking may scale to."
  type        = number
  default     = 2
}

variable "worker_min_count" {
  description = "Fewest worker tasks (also the starting count)."
  type        = number
  default     = 1
}

variable "worker_max_count" {
  description = "Most worker tasks step scaling may scale to."
  type        = number
  default     = 2
}

variable "worker_scale_out_backlog" {
  description = "Visible messages in the inbound plus outbound queues above which the worker scales out."
  type        = number
  default     = 100
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the containers' JSON logs."
  type        = number
  default     = 30
}

variable "mail_retention_days" {
  description = "MAILMAN_RETENTION_DAYS: the retention_days of inboxes created without one (null keeps their mail)."
  type        = number
  default     = null

  validation {
    condition     = var.mail_retention_days == null || (floor(coalesce(var.mail_retention_days, 1)) == coalesce(var.mail_retention_days, 1) && coalesce(var.mail_retention_days, 1) >= 1 && coalesce(var.mail_retention_days, 1) <= 36500)
    error_message = "mail_retention_days must be a whole number of days from 1 to 36500, or null."
  }
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarms topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflow on main may push images (OIDC subject)."
  type        = string
}
