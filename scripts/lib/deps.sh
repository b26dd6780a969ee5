# Shared by scripts/*: install Debian packages that are missing (as root), or say exactly what to run.
# An entry is a package name (checked with dpkg) or COMMAND=PACKAGE (checked by looking COMMAND up,
# for tools that may come from elsewhere, such as a JDK).
need_packages() {
  local missing=()
  local entry
  for entry in "$@"; do
    if [[ $entry == *=* ]]; then
      command -v "${entry%%=*}" >/dev/null 2>&1 || missing+=("${entry#*=}")
    else
      dpkg-query -W -f='${Status}' "$entry" 2>/dev/null | grep -q "install ok installed" || missing+=("$entry")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -eq 0 ]]; then
    echo "coffre: installing ${missing[*]} ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "coffre: missing packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}
