output "stack" {
  description = "Addresses and names an operator needs (ALB DNS, repository, cluster, pool, pipeline)."
  value       = module.stack
}
