output "notification_topic_arn" {
  description = "Topic the application publishes tracking notifications to (SNS_NOTIFICATION_TOPIC_ARN)."
  value       = aws_sns_topic.notifications.arn
}

output "alarm_topic_arn" {
  description = "Topic receiving the CloudWatch alarms."
  value       = aws_sns_topic.alarms.arn
}
