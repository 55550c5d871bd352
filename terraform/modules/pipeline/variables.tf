variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

variable "repository" {
  description = "GitHub repository (owner/name) the pipeline builds."
  type        = string
  default     = "TERRAWIND-DEVELOP/bigtree-asistencias-backend"
}

variable "branch" {
  description = "Branch deployed to this environment: develop (dev), qa (qa), main (prod)."
  type        = string
}

variable "require_approval" {
  description = "Stop for a manual approval between build and deploy (prod)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Environment KMS key (artifacts, build logs)."
  type        = string
}

variable "log_bucket_name" {
  description = "Bucket receiving the artifact bucket's access logs."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the CodeBuild logs."
  type        = number
  default     = 365
}

variable "codebuild_image" {
  description = "CodeBuild image (Docker inside; the checks themselves run in a Debian container)."
  type        = string
  default     = "aws/codebuild/standard:7.0"
}

variable "build_compute_type" {
  description = "CodeBuild compute of the build stage (the test suite needs MySQL, Redis and a browser)."
  type        = string
  default     = "BUILD_GENERAL1_MEDIUM"
}

variable "ecr_repository_url" {
  description = "Repository the image is pushed to."
  type        = string
}

variable "ecr_repository_arn" {
  description = "Repository ARN (push permission)."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster of the services."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
}

variable "task_families" {
  description = "Task definition family per role (web, worker, beat, migrate)."
  type        = map(string)
}

variable "service_names" {
  description = "Service per long-running role (web, worker, beat)."
  type        = map(string)
}

variable "execution_role_arn" {
  description = "Execution role of the task definitions (passed on registration)."
  type        = string
}

variable "task_role_arns" {
  description = "Task role per role (passed on registration)."
  type        = map(string)
}

variable "private_subnet_ids" {
  description = "Subnets of the one-off migrate task."
  type        = list(string)
}

variable "tasks_security_group_id" {
  description = "Security group of the one-off migrate task."
  type        = string
}
