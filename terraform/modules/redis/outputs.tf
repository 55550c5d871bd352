output "url_secret_arn" {
  description = "Secret with the full connection URL (REDIS_URL)."
  value       = aws_secretsmanager_secret.url.arn
}

output "primary_endpoint" {
  description = "Primary endpoint host."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "security_group_id" {
  description = "Security group of the cache."
  value       = aws_security_group.this.id
}
