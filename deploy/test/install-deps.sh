#!/usr/bin/env bash
# Installs what the full test suite needs on a Debian 12 (bookworm) machine, and nothing that is
# already there: etcd 3.4, PostgreSQL 15 with pgvector, the build tools pgvector needs, and the
# repository's npm dependencies. Safe to run any number of times; a run with nothing to do takes
# about a second and touches neither apt nor the network.
#
# pgvector comes from Debian's own source package in trixie (bookworm only ships 0.4, too old for
# HNSW indexes). We add a SOURCE-ONLY entry for trixie, never trixie binaries, so the rest of the
# system stays pure bookworm, and build the extension against the bookworm Postgres 15.
set -euo pipefail
# shellcheck source=deploy/test/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
TRIXIE_LIST=/etc/apt/sources.list.d/dyad-trixie-src.list
# dpkg-dev provides dpkg-source, which `apt-get source` uses to unpack the package.
APT_PACKAGES=(etcd-server postgresql-15 postgresql-server-dev-15 build-essential dpkg-dev patroni haproxy)
export DEBIAN_FRONTEND=noninteractive

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n -E "$@"
  else
    die "need root to run: $* (run this script as root, or install it by hand)"
  fi
}

# Another apt/dpkg run (unattended upgrades, a provisioning script) may hold the dpkg lock. Waiting
# is better than failing: apt's own Lock::Timeout only covers dpkg's lock, not the lists lock that
# `apt-get update` takes, so wait for the processes themselves first.
busy_apt() {
  local name
  # pgrep matches at most 15 characters of a process name, hence one call per name.
  for name in apt-get apt dpkg unattended-upgr; do
    pgrep -x "$name" >/dev/null && return 0
  done
  return 1
}

wait_for_apt() {
  local i
  for ((i = 0; i < 180; i++)); do
    busy_apt || return 0
    ((i % 15 == 0)) && log "waiting for another apt/dpkg process to finish..."
    sleep 2
  done
  die "another apt/dpkg process has been running for 6 minutes; giving up"
}

apt_get() {
  wait_for_apt
  as_root apt-get -y -q -o DPkg::Lock::Timeout=300 "$@" </dev/null
}

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

install_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
  if ((${#missing[@]} == 0)); then
    log "apt packages: all present"
    return
  fi
  log "apt packages: installing ${missing[*]}"
  apt_get update
  # No recommends: they add documentation and clients the tests never use, and minutes on a fresh box.
  apt_get install --no-install-recommends "${missing[@]}"
}

# The mirror this machine already uses for bookworm, so the trixie source entry goes through the same
# host (a proxy or a local mirror may be the only way out). Reads deb822 `.sources` files and the
# one-line `sources.list` format; falls back to the official redirector.
debian_mirror() {
  local f mirror=''
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    mirror=$(awk 'BEGIN { RS = ""; FS = "\n" }
      {
        uri = ""; hit = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); uri = w[2] }
          if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == "bookworm") hit = 1 }
        }
        if (hit && uri != "") { print uri; exit }
      }' "$f")
    [[ -n $mirror ]] && break
  done
  if [[ -z $mirror ]]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -r $f && $f != "$TRIXIE_LIST" ]] || continue
      mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /:\/\//) { if ($(i + 1) == "bookworm") { print $i; exit } } }' "$f")
      [[ -n $mirror ]] && break
    done
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

install_pgvector() {
  local ext_dir
  ext_dir="$("$PG_CONFIG" --sharedir)/extension"
  if [[ -f $ext_dir/vector.control ]]; then
    log "pgvector: present ($(grep default_version "$ext_dir/vector.control" | tr -d "' "))"
    return
  fi

  local mirror line
  mirror=$(debian_mirror)
  line="deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main"
  if [[ ! -f $TRIXIE_LIST ]] || ! grep -qxF "$line" "$TRIXIE_LIST"; then
    log "pgvector: adding source-only trixie entry ($mirror) to $TRIXIE_LIST"
    printf '# Added by dyad deploy/test/install-deps.sh: SOURCE packages only (pgvector), never binaries.\n%s\n' \
      "$line" | as_root tee "$TRIXIE_LIST" >/dev/null
  fi
  # Refresh only this one list: quicker than a full update, and it leaves the other indexes alone.
  log "pgvector: fetching the trixie source index"
  apt_get update -o Dir::Etc::sourcelist="$TRIXIE_LIST" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0

  local work
  work=$(mktemp -d /tmp/dyad-pgvector.XXXXXX)
  # shellcheck disable=SC2064 # expand $work now: it is local and gone by the time the trap fires
  trap "rm -rf '$work'" EXIT
  log "pgvector: downloading and building in $work"
  # apt-get source only reads the indexes, so it needs no lock and no root; `/trixie` makes sure
  # we get trixie's version even if the machine also has a bookworm deb-src entry.
  (cd "$work" && apt-get -q source pgvector/trixie </dev/null)
  local src
  src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
  [[ -n $src ]] || die "apt-get source pgvector produced no source directory"
  make -C "$src" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" >"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log" >&2; die "pgvector build failed"; }
  as_root make -C "$src" install PG_CONFIG="$PG_CONFIG" >>"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log" >&2; die "pgvector install failed"; }
  [[ -f $ext_dir/vector.control ]] || die "pgvector installed but $ext_dir/vector.control is missing"
  log "pgvector: installed $(basename "$src")"
}

install_node_modules() {
  # The same check and install as `npm start` runs (stale or missing node_modules → npm ci, run on
  # the locked Node 24 so that npm's engine checks pass); see deploy/ensure-deps.mjs.
  cd "$DYAD_ROOT"
  node deploy/ensure-deps.mjs </dev/null
  log "node_modules: present ($(node_modules/.bin/node --version))"
}

install_packages
install_pgvector
install_node_modules
