#!/usr/bin/env bash
# Drives one agent end to end through Longhaul's public API, with curl (and grep, sed) only:
# who am I, create an agent, start it, answer what it asks, watch its events, read its spend and
# memories, share it, stop it and export its history.
#
#   LONGHAUL_URL=http://127.0.0.1:3000 LONGHAUL_TOKEN=lh_... bash docs/api/drive-agent.sh
#
# The token comes from Team settings → API tokens (role member or higher). The agent runs on the
# built-in simulator unless LONGHAUL_PROVIDER (a provider id of the team) and LONGHAUL_MODEL are set.
# The reference of every route is at $LONGHAUL_URL/api/docs.
set -euo pipefail

BASE="${LONGHAUL_URL:-http://127.0.0.1:3000}/api/v1"
TOKEN="${LONGHAUL_TOKEN:?Set LONGHAUL_TOKEN to a team API token (Team settings → API tokens).}"
PROVIDER="${LONGHAUL_PROVIDER:-simulator}"
MODEL="${LONGHAUL_MODEL:-simulator-1}"
CYCLES="${LONGHAUL_CYCLES:-3}"

# api METHOD PATH [JSON BODY]: the answer's body; on an error status, prints the error and stops.
api() {
  local method=$1 path=$2 body=${3-}
  local args=(-sS -X "$method" -H "Authorization: Bearer $TOKEN" -w '\n%{http_code}')
  if [ -n "$body" ]; then args+=(-H "Content-Type: application/json" --data "$body"); fi
  local out status
  out=$(curl "${args[@]}" "$BASE$path")
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "$status" -ge 400 ]; then
    echo "$method $path answered $status: $out" >&2
    exit 1
  fi
  printf '%s' "$out"
}

# field NAME: the first "NAME":"value" (or number) in the JSON on stdin.
field() {
  grep -o "\"$1\":\(\"[^\"]*\"\|[0-9.]*\)" | head -n 1 | sed -e "s/^\"$1\"://" -e 's/^"//' -e 's/"$//'
}

team=$(api GET /team)
echo "Team: $(field name <<<"$team") (token acts as $(field role <<<"$team"))"

name="curl demo $(date +%Y%m%d-%H%M%S)"
agent=$(api POST /agents "{\"name\":\"$name\",\"goal\":\"Check the status page every cycle and report what changed.\",\"provider\":\"$PROVIDER\",\"model\":\"$MODEL\",\"budgetUsd\":\"1\",\"cooldownSeconds\":0}")
id=$(field id <<<"$agent")
echo "Created agent $id ($name)"

api POST "/agents/$id/start" '{}' >/dev/null
echo "Started"

# Poll until it has run $CYCLES cycles or ended; approve what it asks for on the way.
status=running
for _ in $(seq 1 120); do
  now=$(api GET "/agents/$id")
  status=$(field status <<<"$now")
  cycles=$(field cycleCount <<<"$now")
  if [ "$status" = "waiting_approval" ]; then
    approval=$(api GET "/approvals?agentId=$id")
    approval_id=$(field id <<<"$approval")
    if [ -n "$approval_id" ]; then
      api POST "/approvals/$approval_id/decision" '{"decision":"approved","comment":"approved by drive-agent.sh","answer":"Go ahead."}' >/dev/null
      echo "Approved $(field kind <<<"$approval") request $approval_id"
    fi
  fi
  case "$status" in completed | failed | stopped | budget_exhausted | stuck) break ;; esac
  if [ "${cycles:-0}" -ge "$CYCLES" ]; then break; fi
  sleep 1
done
echo "Status: $status after ${cycles:-0} cycles"

events=$(api GET "/agents/$id/events?after=0&limit=500")
echo "Events: $(grep -o '"seq":' <<<"$events" | wc -l | tr -d ' ') ($(grep -o '"type":"[a-z_]*"' <<<"$events" | sed 's/"type"://; s/"//g' | sort | uniq -c | tr -s ' ' | tr '\n' ',' | sed 's/,$//'))"

spend=$(api GET "/agents/$id/spend")
echo "Spent: \$$(field spentUsd <<<"$spend") of \$$(field budgetUsd <<<"$spend")"

memories=$(api GET "/agents/$id/memories?limit=5")
echo "Memories: $(grep -o '"content":' <<<"$memories" | wc -l | tr -d ' ') shown"

share=$(api POST "/agents/$id/share-links" '{"redactToolData":true}')
echo "Share link: $(field url <<<"$share")"

case "$status" in
  completed | stopped) ;;
  *) api POST "/agents/$id/stop" '{"reason":"drive-agent.sh is done"}' >/dev/null && echo "Stopped" ;;
esac

file="agent-$id.jsonl"
curl -sS --fail-with-body -H "Authorization: Bearer $TOKEN" "$BASE/agents/$id/export" -o "$file"
echo "Exported $(wc -l <"$file" | tr -d ' ') lines to $file"
