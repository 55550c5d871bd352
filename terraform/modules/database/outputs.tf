output "address" {
  description = "Hostname of the instance (DATABASE_HOST)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the instance (DATABASE_PORT)."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Schema name (DATABASE_NAME)."
  value       = var.database_name
}

output "username" {
  description = "User name (DATABASE_USER)."
  value       = var.master_username
}

output "secret_arn" {
  description = "Secrets Manager secret with the credentials (JSON: username, password, host, port, dbname)."
  value       = aws_secretsmanager_secret.this.arn
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}

output "instance_id" {
  description = "RDS instance identifier (for alarms and dashboards)."
  value       = aws_db_instance.this.identifier
}
