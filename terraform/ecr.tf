# Image repositories, and the role the GitHub workflow (.github/workflows/docker.yml) assumes through
# OIDC to push to them: no long-lived keys anywhere. An account holds one OIDC provider per URL and one
# repository per name, so each environment lives in its own AWS account (see README.md).

locals {
  images = toset(["mailman-api", "mailman-worker"])
}

module "ecr" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/ecr/aws"
  version = "~> 2.3"

  for_each = local.images

  repository_name = each.key
  # `main` and `latest` move with every push; `sha-<sha>` tags are what deployments pin.
  repository_image_tag_mutability   = "MUTABLE"
  repository_image_scan_on_push     = true
  repository_encryption_type        = "KMS"
  repository_force_delete           = false
  repository_read_write_access_arns = [module.github_actions_role.arn]

  create_lifecycle_policy = true
  repository_lifecycle_policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Keep the newest 50 sha- images"
        selection = {
          tagStatus     = "tagged"
          tagPrefixList = ["sha-"]
          countType     = "imageCountMoreThan"
          countNumber   = 50
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Drop untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
    ]
  })

  tags = local.tags
}

module "github_oidc_provider" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/iam/aws//modules/iam-oidc-provider"
  version = "~> 6.0"

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]

  tags = local.tags
}

module "github_actions_role" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/iam/aws//modules/iam-role"
  version = "~> 6.0"

  name            = "${local.name}-github-actions"
  use_name_prefix = false
  description     = "Assumed by ${var.github_repository}'s image workflow on main to push images"

  enable_github_oidc = true
  oidc_audiences     = ["sts.amazonaws.com"]
  # Pushes to main and manual runs on main; no other branch, tag or pull request.
  oidc_subjects = ["${var.github_repository}:ref:refs/heads/main"]

  create_inline_policy = true
  inline_policy_permissions = {
    login = {
      sid       = "EcrLogin"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"] # GetAuthorizationToken has no resource-level permissions
    }
    push = {
      sid = "PushMailmanImages"
      actions = [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
      ]
      resources = [
        for image in local.images :
        "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${image}"
      ]
    }
  }

  tags = local.tags

  depends_on = [module.github_oidc_provider]
}
