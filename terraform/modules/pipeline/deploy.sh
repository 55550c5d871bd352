#!/usr/bin/env bash
# Deploy one image to one environment: register new revisions of the four task definitions (the
# latest revision of each family with only the image replaced, so environment changes applied by
# terraform ride along), run migrate as a one-off task and require exit code 0, then point web,
# worker and beat at their new revisions and wait until ECS reports them stable. The services'
# deployment circuit breaker rolls a failing deployment back; this script then fails the pipeline.
#
# Needs: aws CLI v2, jq. Environment: CLUSTER, NAME_PREFIX, ECR_REPOSITORY_URL, SUBNETS (comma
# separated), SECURITY_GROUP, IMAGE_TAG. Optional: MIGRATE_TIMEOUT_SECONDS (default 3600).
# By hand (same variables exported):  bash terraform/modules/pipeline/deploy.sh
set -euo pipefail

: "${CLUSTER:?}" "${NAME_PREFIX:?}" "${ECR_REPOSITORY_URL:?}" "${SUBNETS:?}" "${SECURITY_GROUP:?}" "${IMAGE_TAG:?}"
image="${ECR_REPOSITORY_URL}:${IMAGE_TAG}"
migrate_timeout="${MIGRATE_TIMEOUT_SECONDS:-3600}"
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

# Prints the ARN of a new revision of family $1 running $image.
register() {
  local family="$1"
  aws ecs describe-task-definition --task-definition "$family" --include TAGS --output json \
    | jq --arg image "$image" '
        (.tags // []) as $tags
        | .taskDefinition
        | .containerDefinitions |= map(.image = $image)
        | {family, taskRoleArn, executionRoleArn, networkMode, containerDefinitions, volumes,
           requiresCompatibilities, cpu, memory, runtimePlatform, ephemeralStorage}
        | with_entries(select(.value != null))
        + (if ($tags | length) > 0 then {tags: $tags} else {} end)' >"$workdir/$family.json"
  aws ecs register-task-definition --cli-input-json "file://$workdir/$family.json" \
    --query taskDefinition.taskDefinitionArn --output text
}

echo "Deploying $image to $CLUSTER"

# --- 1. Migrations, as a one-off task of the new image --------------------------------------------
migrate_def="$(register "${NAME_PREFIX}-migrate")"
echo "migrate: $migrate_def"
task="$(aws ecs run-task --cluster "$CLUSTER" --task-definition "$migrate_def" --launch-type FARGATE --count 1 \
  --started-by "pipeline-${CODEBUILD_BUILD_NUMBER:-manual}" \
  --network-configuration "awsvpcConfiguration={subnets=[${SUBNETS}],securityGroups=[${SECURITY_GROUP}],assignPublicIp=DISABLED}" \
  --query 'tasks[0].taskArn' --output text)"
if [ -z "$task" ] || [ "$task" = "None" ]; then
  echo "migrate task did not start" >&2
  exit 1
fi
echo "migrate task: $task (logs: /ecs/${NAME_PREFIX}/migrate)"

# The CLI waiter gives up after 10 minutes; a long migration may take more.
deadline=$((SECONDS + migrate_timeout))
while :; do
  status="$(aws ecs describe-tasks --cluster "$CLUSTER" --tasks "$task" --query 'tasks[0].lastStatus' --output text)"
  [ "$status" = "STOPPED" ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "migrate still $status after ${migrate_timeout}s; stopping it" >&2
    aws ecs stop-task --cluster "$CLUSTER" --task "$task" --reason "deploy timeout" >/dev/null
    exit 1
  fi
  sleep 10
done
# shellcheck disable=SC2016 # the backticks are a JMESPath literal, not shell
exit_code="$(aws ecs describe-tasks --cluster "$CLUSTER" --tasks "$task" \
  --query 'tasks[0].containers[?name==`migrate`].exitCode | [0]' --output text)"
if [ "$exit_code" != "0" ]; then
  reason="$(aws ecs describe-tasks --cluster "$CLUSTER" --tasks "$task" --query 'tasks[0].stoppedReason' --output text)"
  echo "migrate failed: exit code $exit_code ($reason); the services keep the previous image" >&2
  exit 1
fi
echo "migrate: done"

# --- 2. Roll the services --------------------------------------------------------------------------
declare -A revision
services=()
for role in web worker beat; do
  revision[$role]="$(register "${NAME_PREFIX}-${role}")"
  aws ecs update-service --cluster "$CLUSTER" --service "${NAME_PREFIX}-${role}" \
    --task-definition "${revision[$role]}" --query 'service.serviceName' --output text
  services+=("${NAME_PREFIX}-${role}")
done

echo "waiting for ${services[*]} to be stable"
aws ecs wait services-stable --cluster "$CLUSTER" --services "${services[@]}" \
  || aws ecs wait services-stable --cluster "$CLUSTER" --services "${services[@]}"

# A circuit-breaker rollback also ends "stable": check that the new revisions are the ones running.
for role in web worker beat; do
  running="$(aws ecs describe-services --cluster "$CLUSTER" --services "${NAME_PREFIX}-${role}" \
    --query 'services[0].taskDefinition' --output text)"
  if [ "$running" != "${revision[$role]}" ]; then
    echo "${NAME_PREFIX}-${role} runs $running, not ${revision[$role]}: the deployment was rolled back" >&2
    exit 1
  fi
done
echo "deployed $image"
