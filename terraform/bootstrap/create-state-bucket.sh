#!/usr/bin/env bash
# Creates the S3 bucket that holds Terraform state (run once per AWS account, before `nox -s deploy`).
# Safe to run again: every step converges on versioned, KMS-encrypted, TLS-only and private.
#
#   terraform/bootstrap/create-state-bucket.sh BUCKET [REGION]
#
# Uses the AWS CLI's usual credentials; AWS_ENDPOINT_URL points it elsewhere (the tests use moto).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUCKET [REGION]" >&2
  exit 2
fi
bucket="$1"
region="${2:-${AWS_REGION:-us-east-1}}"
aws=(aws --region "$region" --output text)

if "${aws[@]}" s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
  echo "bucket $bucket exists; making sure of its settings"
elif [[ "$region" == "us-east-1" ]]; then
  # us-east-1 is the one region that refuses a LocationConstraint.
  "${aws[@]}" s3api create-bucket --bucket "$bucket" >/dev/null
  echo "created bucket $bucket in $region"
else
  "${aws[@]}" s3api create-bucket --bucket "$bucket" \
    --create-bucket-configuration "LocationConstraint=$region" >/dev/null
  echo "created bucket $bucket in $region"
fi

"${aws[@]}" s3api put-public-access-block --bucket "$bucket" --public-access-block-configuration \
  BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true

"${aws[@]}" s3api put-bucket-versioning --bucket "$bucket" --versioning-configuration Status=Enabled

"${aws[@]}" s3api put-bucket-encryption --bucket "$bucket" --server-side-encryption-configuration \
  '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}'

"${aws[@]}" s3api put-bucket-ownership-controls --bucket "$bucket" --ownership-controls \
  '{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]}'

"${aws[@]}" s3api put-bucket-policy --bucket "$bucket" --policy "$(
  cat <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyInsecureTransport",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": ["arn:aws:s3:::$bucket", "arn:aws:s3:::$bucket/*"],
      "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    }
  ]
}
POLICY
)"

echo "state bucket $bucket is versioned, encrypted (aws:kms), TLS-only and blocks public access"
echo "next: nox -s deploy -- <dev|staging|production> --state-bucket $bucket"
