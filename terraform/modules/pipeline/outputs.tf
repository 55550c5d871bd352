output "pipeline_name" {
  description = "CodePipeline of this environment."
  value       = aws_codepipeline.this.name
}

output "github_connection_arn" {
  description = "CodeStar connection to finish in the console (Developer Tools > Connections) after the first apply."
  value       = aws_codestarconnections_connection.github.arn
}
