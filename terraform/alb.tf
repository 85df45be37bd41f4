# The public entry: an ALB with the ACM certificate on 443, port 80 redirecting to HTTPS.

resource "aws_acm_certificate" "api" {
  domain_name       = var.api_domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "api_certificate_validation" {
  for_each = {
    for option in aws_acm_certificate.api.domain_validation_options : option.domain_name => {
      name   = option.resource_record_name
      type   = option.resource_record_type
      record = option.resource_record_value
    }
  }

  zone_id         = var.route53_zone_id
  name            = each.value.name
  type            = each.value.type
  records         = [each.value.record]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "api" {
  certificate_arn         = aws_acm_certificate.api.arn
  validation_record_fqdns = [for record in aws_route53_record.api_certificate_validation : record.fqdn]
}

module "alb" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name               = local.name
  load_balancer_type = "application"
  internal           = false
  vpc_id             = module.vpc.vpc_id
  subnets            = module.vpc.public_subnets

  create_security_group = false
  security_groups       = [aws_security_group.alb.id]

  enable_deletion_protection = var.environment == "production"
  drop_invalid_header_fields = true

  # Event streams (SSE, WebSocket) stay open for hours: their heartbeat every 15 s keeps them from idling this long.
  idle_timeout = 120

  access_logs = {
    bucket  = module.logs_bucket.s3_bucket_id
    prefix  = "alb"
    enabled = true
  }

  listeners = {
    http-https-redirect = {
      port     = 80
      protocol = "HTTP"
      redirect = {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }

    https = {
      port            = 443
      protocol        = "HTTPS"
      ssl_policy      = "ELBSecurityPolicy-TLS13-1-2-2021-06"
      certificate_arn = aws_acm_certificate_validation.api.certificate_arn
      forward = {
        target_group_key = "api"
      }
    }
  }

  target_groups = {
    api = {
      name_prefix          = "api-"
      protocol             = "HTTP"
      port                 = 8080
      target_type          = "ip"
      deregistration_delay = 30
      # ECS registers the tasks' IPs itself.
      create_attachment = false

      health_check = {
        enabled             = true
        path                = "/health"
        matcher             = "200"
        interval            = 15
        timeout             = 5
        healthy_threshold   = 2
        unhealthy_threshold = 3
      }
    }
  }

  tags = local.tags
}

resource "aws_route53_record" "api" {
  zone_id = var.route53_zone_id
  name    = var.api_domain_name
  type    = "A"

  alias {
    name                   = module.alb.dns_name
    zone_id                = module.alb.zone_id
    evaluate_target_health = true
  }
}
