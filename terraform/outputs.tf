output "api_url" {
  description = "Base URL of the Mailman API (MAILMAN_API_URL for the SDK and the Terraform provider)."
  value       = "https://${var.api_domain_name}"
}

output "alb_dns_name" {
  description = "DNS name of the load balancer the API record points at."
  value       = module.alb.dns_name
}

output "ecr_repository_urls" {
  description = "Image repositories by image name; docker.yml pushes mailman-api and mailman-worker here."
  value       = { for image, repository in module.ecr : image => repository.repository_url }
}

output "github_actions_role_arn" {
  description = "Role for the image workflow: set it as the repository variable AWS_ROLE_ARN."
  value       = module.github_actions_role.arn
}

output "ecs_cluster_name" {
  description = "ECS cluster running the mailman-api and mailman-worker services."
  value       = module.ecs.cluster_name
}

output "queue_urls" {
  description = "SQS queue URLs by queue name (inbound, outbound, telemetry, webhooks)."
  value       = { for name, queue in module.queues : name => queue.queue_url }
}

output "dead_letter_queue_urls" {
  description = "SQS dead-letter queue URLs by queue name."
  value       = { for name, queue in module.queues : name => queue.dead_letter_queue_url }
}

output "raw_mail_bucket" {
  description = "Bucket holding raw mail (MAILMAN_RAW_BUCKET); SES writes received mail under raw/inbound/."
  value       = module.raw_mail_bucket.s3_bucket_id
}

output "attachments_bucket" {
  description = "Bucket holding attachments (MAILMAN_ATTACHMENTS_BUCKET)."
  value       = module.attachments_bucket.s3_bucket_id
}

output "database_endpoint" {
  description = "host:port of the PostgreSQL database (reachable from the ECS tasks only)."
  value       = module.rds.db_instance_endpoint
}

output "database_secret_arn" {
  description = "Secrets Manager secret (managed by RDS) holding the database user's password."
  value       = module.rds.db_instance_master_user_secret_arn
}

output "ses_configuration_set" {
  description = "SES configuration set used for sending (MAILMAN_SES_CONFIGURATION_SET)."
  value       = aws_sesv2_configuration_set.mailman.configuration_set_name
}

output "ses_dns_records" {
  description = "DNS records to publish for each mail domain: Easy DKIM CNAMEs and the MX to SES inbound."
  value = {
    for domain, identity in aws_sesv2_email_identity.domains : domain => concat(
      [
        for token in identity.dkim_signing_attributes[0].tokens :
        { type = "CNAME", name = "${token}._domainkey.${domain}", value = "${token}.dkim.amazonses.com" }
      ],
      [{ type = "MX", name = domain, value = "10 inbound-smtp.${local.region}.amazonaws.com" }],
    )
  }
}

output "alarms_topic_arn" {
  description = "SNS topic every alarm notifies; subscribe on-call here."
  value       = module.alarms_topic.topic_arn
}
