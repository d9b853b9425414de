#!/bin/bash
# Creates Fanout's queues for the "default" pool when LocalStack is ready: the task queue with a
# redrive policy to its dead-letter queue, and the outcome queue. The operator would create them
# too (and align their attributes); creating them here lets workers start before the operator and
# shows what Fanout expects. Attributes match the operator's: visibility 60 s, retention 14 days,
# maxReceiveCount 100 (FANOUT_MAX_RECEIVE_COUNT).
set -euo pipefail

prefix="${FANOUT_QUEUE_PREFIX:-fanout-}"
pool="${FANOUT_POOL:-default}"
retention=1209600
max_receive_count="${FANOUT_MAX_RECEIVE_COUNT:-100}"

awslocal sqs create-queue --queue-name "${prefix}${pool}-dlq" \
  --attributes "MessageRetentionPeriod=${retention}" >/dev/null
dlq_url="$(awslocal sqs get-queue-url --queue-name "${prefix}${pool}-dlq" --query QueueUrl --output text)"
dlq_arn="$(awslocal sqs get-queue-attributes --queue-url "${dlq_url}" \
  --attribute-names QueueArn --query Attributes.QueueArn --output text)"

redrive="{\\\"maxReceiveCount\\\":\\\"${max_receive_count}\\\",\\\"deadLetterTargetArn\\\":\\\"${dlq_arn}\\\"}"
awslocal sqs create-queue --queue-name "${prefix}${pool}" --attributes \
  "{\"VisibilityTimeout\":\"60\",\"MessageRetentionPeriod\":\"${retention}\",\"RedrivePolicy\":\"${redrive}\"}" \
  >/dev/null

awslocal sqs create-queue --queue-name "${prefix}outcomes" \
  --attributes "MessageRetentionPeriod=${retention}" >/dev/null

echo "fanout: created ${prefix}${pool}, ${prefix}${pool}-dlq (maxReceiveCount ${max_receive_count}) and ${prefix}outcomes"
