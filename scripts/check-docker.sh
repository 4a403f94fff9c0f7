#!/usr/bin/env bash
# Static checks of the Docker setup (CI). Needs no Docker engine.
#
#   scripts/check-docker.sh [Dockerfile] [compose-file]
#
# 1. `docker compose config` (or docker-compose v1) validates the compose file.
# 2. The resolved config must have api, worker, mongo, redis with healthchecks,
#    depends_on ... service_healthy, named volumes, a scalable worker, etc.
# 3. The Dockerfile must be multi-stage with pinned base images, a non-root
#    USER, a HEALTHCHECK and an exec-form CMD.
# Prints one line per problem and exits 1 when there is any.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dockerfile="$(realpath "${1:-$root/Dockerfile}")"
compose_file="$(realpath "${2:-$root/docker-compose.yml}")"

fail() { echo "check-docker: FAIL $*" >&2; exit 1; }

[[ -f "$dockerfile" ]] || fail "no Dockerfile at $dockerfile"
[[ -f "$compose_file" ]] || fail "no compose file at $compose_file"
command -v node >/dev/null || fail "node is required"

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  fail "neither 'docker compose' nor 'docker-compose' found (install: apt-get install -y --no-install-recommends docker-compose)"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Relative paths (build context, ./rules) resolve against the project root, so
# a copy of the compose file elsewhere is checked the same way.
if ! "${compose[@]}" --project-directory "$root" -f "$compose_file" --profile test config \
    >"$tmp/resolved.yml" 2>"$tmp/compose.err"; then
  cat "$tmp/compose.err" >&2
  fail "$compose_file: '${compose[*]} config' rejected the file (see above)"
fi

# Run from the project root so that `yaml` resolves from node_modules.
cd "$root"
node --input-type=module - "$dockerfile" "$compose_file" "$tmp/resolved.yml" <<'JS'
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const [dockerfilePath, composePath, resolvedPath] = process.argv.slice(2);
const problems = [];
let checks = 0;
const check = (ok, message) => {
  checks += 1;
  if (!ok) problems.push(message);
  return ok;
};

// ---------------------------------------------------------------- Dockerfile
function instructions(text) {
  const out = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (current !== '' && line.startsWith('#')) continue; // comment inside a continuation
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    const [keyword, ...rest] = current.split(/\s+/);
    out.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') });
    current = '';
  }
  return out;
}

const df = `${dockerfilePath}`;
const dockerfileText = readFileSync(dockerfilePath, 'utf8');
check(
  !/^#\s*syntax\s*=/im.test(dockerfileText.split(/\r?\n/).find((l) => l.trim() !== '') ?? ''),
  `${df}: a '# syntax=' line makes BuildKit fetch a frontend image from a registry; the builder's own frontend suffices`,
);
const steps = instructions(dockerfileText);
const globalArgs = {};
const stageNames = new Set();
const stages = [];
for (const step of steps) {
  if (step.keyword === 'ARG' && stages.length === 0) {
    const [name, value = ''] = step.args.split('=');
    globalArgs[name.trim()] = value.trim().replace(/^["']|["']$/g, '');
  }
  if (step.keyword === 'FROM') {
    const words = step.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    const image = words[0].replace(/\$\{?(\w+)\}?/g, (m, name) => globalArgs[name] ?? m);
    const alias = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
    stages.push({ image, alias, steps: [] });
    if (!stageNames.has(image.toLowerCase()) && image !== 'scratch') {
      const [ref, digest] = image.split('@');
      const slash = ref.lastIndexOf('/');
      const colon = ref.lastIndexOf(':');
      const tag = colon > slash ? ref.slice(colon + 1) : undefined;
      if (check(!image.includes('$'), `${df}: FROM ${words[0]}: cannot resolve the base image`)) {
        check(digest !== undefined || tag !== undefined, `${df}: FROM ${image}: untagged base image; pin a version tag`);
        check(tag !== 'latest', `${df}: FROM ${image}: ':latest' is not a pinned version`);
      }
    }
    if (alias) stageNames.add(alias.toLowerCase());
  } else if (stages.length > 0) {
    stages.at(-1).steps.push(step);
  }
}
check(stages.length >= 2, `${df}: not multi-stage (${stages.length} FROM); build tools must stay out of the runtime image`);
const final = stages.at(-1);
if (final) {
  const last = (keyword) => final.steps.filter((s) => s.keyword === keyword).at(-1);
  const user = last('USER');
  if (check(user !== undefined, `${df}: final stage has no USER; the service would run as root`)) {
    const name = user.args.split(':')[0].trim();
    check(name !== 'root' && name !== '0', `${df}: final stage USER ${user.args} is root`);
  }
  const health = last('HEALTHCHECK');
  if (check(health !== undefined, `${df}: final stage has no HEALTHCHECK`)) {
    check(!/^NONE\b/i.test(health.args), `${df}: HEALTHCHECK NONE disables the healthcheck`);
  }
  const cmd = last('CMD');
  if (check(cmd !== undefined, `${df}: final stage has no CMD`)) {
    check(cmd.args.startsWith('['), `${df}: CMD must be exec form (JSON array) so SIGTERM reaches node`);
  }
  const entrypoint = last('ENTRYPOINT');
  if (entrypoint) check(entrypoint.args.startsWith('['), `${df}: ENTRYPOINT must be exec form (JSON array)`);
}

// -------------------------------------------------------------- compose file
const cf = `${composePath}`;
const raw = parse(readFileSync(composePath, 'utf8'), { merge: true }) ?? {};
check(!('version' in raw), `${cf}: top-level 'version' is obsolete in the Compose spec; remove it`);

const resolved = parse(readFileSync(resolvedPath, 'utf8')) ?? {};
const services = resolved.services ?? {};
const namedVolumes = Object.keys(resolved.volumes ?? {});
const list = (value) => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : String(value).split(/\s+/));

/** Volume entries in either short ("src:dst:ro") or long ({type, source, target}) syntax. */
function mounts(service) {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target, readOnly: v.read_only === true, type: v.type };
    const [source, target, mode = ''] = v.split(':');
    const type = source.startsWith('/') || source.startsWith('.') ? 'bind' : 'volume';
    return { source, target, readOnly: mode.split(',').includes('ro'), type };
  });
}
function environment(service) {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')]));
}
function namedVolumeAt(name, service, target) {
  const mount = mounts(service).find((m) => m.target === target);
  check(
    mount !== undefined && mount.type === 'volume' && namedVolumes.includes(mount.source),
    `${cf}: ${name} must keep ${target} on a named volume (declared under top-level volumes)`,
  );
}

for (const name of ['api', 'worker', 'mongo', 'redis']) {
  const service = services[name];
  if (!check(service !== undefined, `${cf}: service '${name}' is missing`)) continue;
  const hc = service.healthcheck;
  const test = list(hc?.test);
  check(
    hc !== undefined && hc.disable !== true && test.length > 0 && test[0] !== 'NONE',
    `${cf}: service '${name}' has no healthcheck`,
  );
}

// Every image compose pulls (rather than builds) is pinned to a version.
for (const [name, service] of Object.entries(services)) {
  if (service.image === undefined || service.build !== undefined) continue;
  const ref = String(service.image);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = ref.includes('@') ? 'digest' : colon > slash ? ref.slice(colon + 1) : undefined;
  check(tag !== undefined && tag !== 'latest', `${cf}: service '${name}' image ${ref} is not pinned to a version`);
}

for (const name of ['api', 'worker', 'test']) {
  const service = services[name];
  if (!service) continue;
  const deps = service.depends_on ?? {};
  for (const dep of ['mongo', 'redis']) {
    const condition = Array.isArray(deps) ? undefined : deps[dep]?.condition;
    check(condition === 'service_healthy', `${cf}: ${name} must depend on ${dep} with condition: service_healthy`);
  }
}

for (const name of ['api', 'worker']) {
  const service = services[name];
  if (!service) continue;
  const rulesDir = environment(service).RULES_DIR;
  const rules = mounts(service).find((m) => m.target === rulesDir);
  check(
    rulesDir !== undefined && rules !== undefined && rules.type === 'bind' && rules.readOnly && /\/rules\/?$/.test(rules.source),
    `${cf}: ${name} must mount ./rules read-only at its RULES_DIR (${rulesDir ?? 'unset'}) for hot reload`,
  );
  const secret = environment(service).JWT_SECRET;
  if (secret) check(Buffer.byteLength(String(secret)) >= 32, `${cf}: ${name} JWT_SECRET is shorter than 32 bytes`);
  check(service.stop_grace_period !== undefined, `${cf}: ${name} needs a stop_grace_period to drain on SIGTERM`);
}

if (services.worker) {
  check(services.worker.container_name === undefined, `${cf}: worker must not set container_name (blocks --scale worker=N)`);
  const fixed = (services.worker.ports ?? []).some((p) => typeof p === 'string' ? p.includes(':') : p.published !== undefined);
  check(!fixed, `${cf}: worker must not publish a host port (blocks --scale worker=N)`);
}
if (services.api) {
  const published = (services.api.ports ?? []).some((p) =>
    typeof p === 'string' ? /:3000(\/tcp)?$/.test(p) : Number(p.target) === 3000 && p.published !== undefined);
  check(published, `${cf}: api must publish container port 3000`);
}
if (services.mongo) {
  namedVolumeAt('mongo', services.mongo, '/data/db');
  check(list(services.mongo.command).includes('--replSet'), `${cf}: mongo must run as a replica set (--replSet); the store uses transactions`);
}
if (services.redis) {
  namedVolumeAt('redis', services.redis, '/data');
  const command = list(services.redis.command).join(' ');
  check(/--appendonly yes\b/.test(command), `${cf}: redis must run with --appendonly yes`);
  check(/--maxmemory-policy noeviction\b/.test(command), `${cf}: redis must run with --maxmemory-policy noeviction (BullMQ)`);
}
const test = services.test;
if (check(test !== undefined, `${cf}: service 'test' (profile test) is missing`)) {
  check(list(test.profiles).includes('test'), `${cf}: service 'test' must sit under profiles: ["test"]`);
  const env = environment(test);
  check(String(env.REQUIRE_REDIS) === '1', `${cf}: test must set REQUIRE_REDIS=1`);
  check(Boolean(env.MONGODB_URI) && Boolean(env.REDIS_URL), `${cf}: test must set MONGODB_URI and REDIS_URL`);
}

for (const problem of problems) console.error(`check-docker: FAIL ${problem}`);
if (problems.length > 0) process.exit(1);
console.log(`check-docker: OK (${checks} checks on ${dockerfilePath} and ${composePath})`);
JS
