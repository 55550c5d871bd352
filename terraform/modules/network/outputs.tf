output "vpc_id" {
  description = "VPC id."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "VPC CIDR."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (load balancer, NAT gateways)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets (tasks, database, Redis, interface endpoints)."
  value       = aws_subnet.private[*].id
}

output "endpoints_security_group_id" {
  description = "Security group of the interface endpoints (HTTPS from the VPC)."
  value       = aws_security_group.endpoints.id
}

output "nat_public_ips" {
  description = "Public egress addresses (give them to MOK if it filters by source IP)."
  value       = aws_eip.nat[*].public_ip
}
