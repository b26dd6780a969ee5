# Shared by scripts/*: installs the npm packages the MEGA tests run against (mega-mock, a MEGA API server,
# and megajs, a MEGA client, both written by others) into target/npm-tools, at the versions pinned by
# src/test/node/package-lock.json. Idempotent: does nothing when that lock file is already installed.
# Works as root with no terminal. Without node and npm it only says so: the MEGA tests then skip.
install_npm_tools() {
  local root="$1"
  local lock="$root/src/test/node/package-lock.json"
  local dest="$root/target/npm-tools"
  local stamp="$dest/installed.sha256"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "coffre: node/npm not found: the MEGA tests against mega-mock and megajs will be skipped" >&2
    return 0
  fi
  local want
  want="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [[ -f $stamp && $(cat "$stamp") == "$want" && -d $dest/node_modules/mega-mock && -d $dest/node_modules/megajs ]]; then
    return 0
  fi
  echo "coffre: installing mega-mock and megajs (npm) into target/npm-tools ..." >&2
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$root/src/test/node/package.json" "$lock" "$dest/"
  # npm ci installs exactly the lock file; the cache stays inside target so nothing leaks into $HOME
  # (which may even be unset under CI), and no update check goes out.
  (cd "$dest" && HOME="${HOME:-$dest}" npm_config_update_notifier=false \
    npm ci --no-audit --no-fund --loglevel=error --cache "$dest/.npm-cache" >&2)
  echo "$want" >"$stamp"
}

# Run directly: install into the project this script belongs to.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  install_npm_tools "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fi
