#!/usr/bin/env bash
set -euo pipefail
status="${1:-unknown}"
curl -fsS -X POST -H 'Content-Type: application/json' \
  -d "{\"text\": \"deploy ${status}: ${GITHUB_REPOSITORY}@${GITHUB_SHA:0:7}\"}" \
  "$SLACK_WEBHOOK_URL"
