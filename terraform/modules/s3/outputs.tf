output "bucket_names" {
  description = "Bucket name per seed bucket: file, datasourcemaster, assists, issuance-mok-docs."
  value       = { for k, b in module.bucket : k => b.id }
}

output "bucket_arns" {
  description = "Bucket ARN per seed bucket."
  value       = { for k, b in module.bucket : k => b.arn }
}

output "log_bucket_name" {
  description = "Bucket receiving S3 server access logs (prefix s3/) and ALB access logs (prefix alb/)."
  value       = module.logs_bucket.id
}
