#!/usr/bin/env bash
# Builds the project's image and runs it the way docker-compose.yml does, then
# checks what a deployment relies on. Called by .ci/run; runs by hand too:
#
#   bash scripts/docker-smoke.sh
#
# 1. Docker: installs docker.io (and docker-compose when `docker compose` is
#    missing) when absent; starts dockerd when none answers, and stops that
#    one, by its PID, at the end.
# 2. Base images: each FROM image of the Dockerfile and the compose file's
#    redis image are pulled when a registry answers, else built as local
#    stand-ins (scripts/stand-in-images.sh: Debian minbase from the apt
#    mirror, Node from npm).
# 3. Builds the Dockerfile's runtime target (BuildKit, --network host).
# 4. Runs redis, api and worker from docker-compose.yml with
#    scripts/docker-smoke.compose.yml on top (SQLite in the shared volume),
#    under its own compose project, on a free host port, and checks:
#    - both app healthchecks turn healthy;
#    - every process in both containers runs as a non-root user;
#    - a token minted inside the api container with the README's own command
#      (read from README.md, so the two cannot drift apart) is accepted:
#      POST /evaluate answers 201 through the published port;
#    - the worker fills in the recommendation's notifications;
#    - with `--scale worker=2`, a burst of recommendations is notified, both
#      workers took part, and no notification was sent twice;
#    - `docker compose stop` ends api and workers with exit code 0 within
#      their stop_grace_period.
# 5. Removes its containers, network and volumes (images stay, as a cache).
#
# Prints one line per check and exits 1 at the first that fails, with the
# containers' logs. Environment: DOCKER (default /usr/bin/docker: another
# docker client may come first on the PATH), SMOKE_IMAGE, SMOKE_PROJECT.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
docker=${DOCKER:-/usr/bin/docker}
image=${SMOKE_IMAGE:-clinical-recommendations:smoke}
project=${SMOKE_PROJECT:-clinical-smoke}
override=scripts/docker-smoke.compose.yml
work=$(mktemp -d)
t0=$SECONDS
checks=0
our_dockerd=""
stack_up=0

say() { printf 'docker-smoke: %s\n' "$*"; }
step() { printf '\n--- docker-smoke: %s (at %d s)\n' "$*" $((SECONDS - t0)); }
ok() { checks=$((checks + 1)); say "ok   $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

fail() {
  say "FAIL $*" >&2
  if [[ $stack_up == 1 ]]; then
    echo "--- compose ps" >&2
    dc ps >&2 || true
    echo "--- last log lines of each service" >&2
    dc logs --no-color --tail 40 >&2 || true
  fi
  exit 1
}

cleanup() {
  local status=$?
  set +e
  if [[ $stack_up == 1 ]]; then
    dc down -v --remove-orphans --timeout 5 >/dev/null 2>&1
  fi
  if [[ -n $our_dockerd ]]; then
    as_root kill "$our_dockerd" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$our_dockerd" 2>/dev/null || break; sleep 0.5; done
    say "dockerd (pid $our_dockerd) stopped"
  fi
  rm -rf "$work"
  say "$( [[ $status == 0 ]] && echo OK || echo FAILED ) ($checks checks, $((SECONDS - t0)) s)"
  exit "$status"
}
trap cleanup EXIT

# ------------------------------------------------------------------ 1. Docker
step "docker engine"
need=()
[[ -x $docker ]] || need+=(docker.io)
if ! { [[ -x $docker ]] && "$docker" compose version >/dev/null 2>&1; } && ! command -v docker-compose >/dev/null 2>&1; then
  need+=(docker-compose)
fi
if [[ ${#need[@]} -gt 0 ]]; then
  say "apt-get install ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if "$docker" compose version >/dev/null 2>&1; then
  compose=("$docker" compose)
else
  compose=(docker-compose)
fi
if ! "$docker" info >/dev/null 2>&1; then
  # No systemd here: run the daemon in the background, and stop it at the end.
  # Started directly (not through a function, whose subshell would get the PID).
  if [ "$(id -u)" = 0 ]; then dockerd >"$work/dockerd.log" 2>&1 & else sudo dockerd >"$work/dockerd.log" 2>&1 & fi
  our_dockerd=$!
  for _ in $(seq 1 60); do "$docker" info >/dev/null 2>&1 && break; sleep 0.5; done
  "$docker" info >/dev/null 2>&1 || { tail -n 20 "$work/dockerd.log" >&2; fail "dockerd did not start"; }
  say "dockerd started (pid $our_dockerd)"
fi
say "$("$docker" version --format 'engine {{.Server.Version}}, client {{.Client.Version}}'); compose: ${compose[*]} ($("${compose[@]}" version --short 2>/dev/null || echo '?'))"

# ------------------------------------------------------------- 2. base images
step "base images"
ensure_image() { # KIND IMAGE
  local kind=$1 ref=$2
  if "$docker" image inspect "$ref" >/dev/null 2>&1; then
    say "$ref: present"
  elif timeout 120 "$docker" pull -q "$ref" >"$work/pull.log" 2>&1; then
    say "$ref: pulled"
  else
    say "$ref: no registry answered ($(tail -n 1 "$work/pull.log" | cut -c1-120)); building a stand-in"
    bash scripts/stand-in-images.sh "$kind" "$ref" || fail "could not build a stand-in for $ref"
  fi
}
stages=$(awk 'toupper($1)=="FROM" { for (i = 2; i <= NF; i++) if (toupper($i) == "AS") print tolower($(i+1)) }' Dockerfile)
for ref in $(awk 'toupper($1)=="FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; break } }' Dockerfile | sort -u); do
  grep -qxF "$(tr '[:upper:]' '[:lower:]' <<<"$ref")" <<<"$stages" && continue
  [[ $ref == node:* ]] || fail "no stand-in for base image $ref"
  ensure_image node "$ref"
done
redis_image=$(awk '/^services:/ { services = 1; next } /^[^ #]/ { services = 0 } services && /^  redis:/ { inside = 1; next } inside && /^  [a-z]/ { exit } inside && $1 == "image:" { print $2; exit }' docker-compose.yml)
[[ -n $redis_image ]] || fail "docker-compose.yml: no image for service redis"
ensure_image redis "$redis_image"

# ------------------------------------------------------------------- 3. build
step "build $image"
build_started=$SECONDS
if ! DOCKER_BUILDKIT=1 "$docker" build --network host --progress plain --target runtime -t "$image" . >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  fail "docker build failed"
fi
ok "image built ($((SECONDS - build_started)) s)"

# -------------------------------------------------------------------- 4. run
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
port=$(free_port)
export APP_IMAGE=$image API_PORT=$port
dc() { "${compose[@]}" -p "$project" -f docker-compose.yml -f "$override" "$@"; }
# The README's commands say `docker compose`; they run through the same files here.
docker_compose() { dc "$@"; }
api_url="http://127.0.0.1:$port"

container_of() { dc ps -q "$1" | head -n 1; }
health_of() { "$docker" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Status}}' "$1"; }
wait_healthy() { # SERVICE TIMEOUT_S: every container of the service
  local service=$1 deadline=$((SECONDS + $2)) ids id state all
  while :; do
    ids=$(dc ps -q "$service")
    all=1
    for id in $ids; do
      state=$(health_of "$id")
      case $state in
        "healthy running") ;;
        unhealthy* | *exited* | *dead*) fail "$service container ${id:0:12} is $state" ;;
        *) all=0 ;;
      esac
    done
    [[ -n $ids && $all == 1 ]] && return 0
    ((SECONDS < deadline)) || fail "$service not healthy within $2 s (state: $(for id in $ids; do health_of "$id"; done | tr '\n' ' '))"
    sleep 1
  done
}

step "compose up (project $project, api on port $port)"
dc down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
stack_up=1
dc up -d redis >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up redis"; }
wait_healthy redis 60
# --no-deps: mongo and mail are not part of this stack (see the override file).
dc up -d --no-deps --no-build api worker >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up api worker"; }
up_started=$SECONDS
wait_healthy api 120
wait_healthy worker 120
ok "api and worker healthchecks healthy ($((SECONDS - up_started)) s after start)"

for service in api worker; do
  id=$(container_of "$service")
  uids=$("$docker" exec "$id" sh -c 'for f in /proc/[0-9]*/status; do awk -v f="$f" "/^Uid:/ { print \$2 }" "$f" 2>/dev/null; done' | sort -u | tr '\n' ' ')
  [[ -n $uids ]] || fail "$service: could not read the processes' users"
  for uid in $uids; do [[ $uid != 0 ]] || fail "$service: a process runs as root (uids: $uids)"; done
  user=$("$docker" inspect -f '{{.Config.User}}' "$id")
  ok "$service runs as user '${user:-?}', process uids: $uids"
done

step "token and POST /evaluate"
token_cmd=$(awk '/^TOKEN=\$\(docker compose exec/ { p = 1 } p { print } p && /\)$/ { exit }' README.md)
[[ -n $token_cmd ]] || fail "README.md no longer shows 'TOKEN=\$(docker compose exec ...)' (Run with Docker): keep this smoke in step with it"
say "README: $(tr -s ' \\\n' ' ' <<<"$token_cmd")"
TOKEN=""
eval "${token_cmd//docker compose/docker_compose}" || fail "the README's token command failed"
[[ $TOKEN =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] || fail "the README's token command printed no JWT: '$TOKEN'"

json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"; }
evaluate() { # PATIENT_ID -> prints the HTTP status, writes the body to $work/body, headers to $work/headers
  curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "$api_url/evaluate" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"patient_id\": \"$1\", \"age\": 70, \"chronic_pain\": true, \"bmi\": 31.5}"
}
status=$(evaluate "smoke-$$-0") || fail "POST /evaluate: no answer on $api_url"
[[ $status == 201 ]] || fail "POST /evaluate answered $status, not 201: $(head -c 400 "$work/body")"
grep -qi '^location: /recommendation/' "$work/headers" || fail "POST /evaluate: 201 without Location /recommendation/..."
first_id=$(json 'v.id' <"$work/body")
ok "POST /evaluate through port $port: 201, id $first_id"

notified() { # ID -> 0 when every notification is sent
  curl -sS -o "$work/rec" -w '%{http_code}' "$api_url/recommendation/$1" -H "Authorization: Bearer $TOKEN" >"$work/rec.status" || return 1
  [[ $(cat "$work/rec.status") == 200 ]] || return 1
  [[ $(json 'v.notifications.length > 0 && v.notifications.every(n => n.status === "sent")' <"$work/rec") == true ]]
}
wait_notified() { # TIMEOUT_S ID...
  local deadline=$((SECONDS + $1)) id
  shift
  for id in "$@"; do
    until notified "$id"; do
      ((SECONDS < deadline)) || fail "recommendation $id not notified in time: $(head -c 400 "$work/rec")"
      sleep 0.5
    done
  done
}
wait_notified 30 "$first_id"
ok "worker filled in the notifications: $(json 'v.notifications.map(n => n.channel + " " + n.status).join(", ")' <"$work/rec")"

step "--scale worker=2"
dc up -d --no-deps --no-build --scale worker=2 worker >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up --scale worker=2"; }
wait_healthy worker 120
[[ $(dc ps -q worker | wc -l) == 2 ]] || fail "--scale worker=2 did not give two worker containers"
burst=40
ids=()
for i in $(seq 1 "$burst"); do
  status=$(evaluate "smoke-$$-$i") || fail "POST /evaluate #$i: no answer"
  [[ $status == 201 ]] || fail "POST /evaluate #$i answered $status: $(head -c 300 "$work/body")"
  ids+=("$(json 'v.id' <"$work/body")")
done
wait_notified 60 "${ids[@]}"
: >"$work/sent"
per_worker=()
for id in $(dc ps -q worker); do
  "$docker" logs "$id" 2>/dev/null | grep '"patient notified' >"$work/sent.$id" || true
  # Of the burst only: the first recommendation went to the first worker alone.
  per_worker+=("$(grep -vc "$first_id" "$work/sent.$id" || true)")
  cat "$work/sent.$id" >>"$work/sent"
done
keys=$(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
  const seen = new Map();
  for (const line of lines) { const k = JSON.parse(line).key; seen.set(k, (seen.get(k) ?? 0) + 1); }
  const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  console.log(seen.size, twice.length, twice.slice(0, 5).join(" "));
' "$work/sent")
read -r distinct doubled examples <<<"$keys"
[[ $doubled == 0 ]] || fail "$doubled notifications were sent twice, e.g. $examples"
expected=$(( (burst + 1) * $(json 'v.notifications.length' <"$work/rec") ))
[[ $distinct -ge $expected ]] || fail "only $distinct of $expected notifications were sent"
for n in "${per_worker[@]}"; do [[ $n -gt 0 ]] || fail "a worker sent nothing (per worker: ${per_worker[*]}): the burst did not reach both"; done
ok "2 workers, $((burst + 1)) recommendations: $distinct notifications, none twice (per worker: ${per_worker[*]})"

step "docker compose stop"
app_ids=$(dc ps -q api worker)
stop_started=$SECONDS
dc stop >"$work/stop.log" 2>&1 || { cat "$work/stop.log" >&2; fail "docker compose stop failed"; }
stop_took=$((SECONDS - stop_started))
for id in $app_ids; do
  read -r name code oom <<<"$("$docker" inspect -f '{{.Name}} {{.State.ExitCode}} {{.State.OOMKilled}}' "$id")"
  [[ $code == 0 && $oom == false ]] || fail "$name exited with $code after SIGTERM (137: killed at the end of its grace period)"
done
((stop_took < 30)) || fail "docker compose stop took $stop_took s, past the api's 30 s grace period"
ok "docker compose stop: api and workers exited 0 in $stop_took s"
