#!/usr/bin/env bash
# clang-format (Debian 12's clang-format 14, .clang-format at the root) over the
# C++ sources: sim/, bindings/src/ and tests/.
#
#   bash scripts/format.sh           format every file in place
#   bash scripts/format.sh --check   list the files that differ; exit 1 if any (CI)
#
# scripts/format-pending.txt lists files that differed from .clang-format when
# the check was introduced (issue 10); --check skips them, so the reformat can
# be one commit of its own after parallel branches have merged. Formatting in
# place formats those too and deletes the list: commit both together. --check
# fails on a listed file that is already formatted (take it off the list).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-fix}"
case "$mode" in
  fix | --check) ;;
  *)
    echo "usage: bash scripts/format.sh [--check]" >&2
    exit 2
    ;;
esac
command -v clang-format >/dev/null || {
  echo "format.sh: clang-format is missing (bash scripts/install-deps.sh)" >&2
  exit 2
}

pending_list=scripts/format-pending.txt
mapfile -t files < <(git ls-files -co --exclude-standard -- 'sim/*.cpp' 'sim/*.hpp' 'bindings/src/*.cpp' \
  'bindings/src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' | sort -u)
pending=()
if [ -f "$pending_list" ]; then
  mapfile -t pending < <(grep -v '^\s*\(#\|$\)' "$pending_list")
fi
is_pending() {
  local f
  for f in "${pending[@]}"; do [ "$f" = "$1" ] && return 0; done
  return 1
}

if [ "$mode" = fix ]; then
  clang-format -i "${files[@]}"
  if [ -f "$pending_list" ]; then
    rm "$pending_list"
    echo "format.sh: formatted ${#files[@]} files; deleted $pending_list (commit both)" >&2
  else
    echo "format.sh: formatted ${#files[@]} files" >&2
  fi
  exit 0
fi

bad=0
for f in "${files[@]}"; do
  if is_pending "$f"; then
    if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "format.sh: $f is formatted: remove it from $pending_list" >&2
      bad=1
    fi
  elif ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format.sh: $f differs from .clang-format (bash scripts/format.sh formats it)" >&2
    bad=1
  fi
done
for f in "${pending[@]}"; do
  [ -f "$f" ] || { echo "format.sh: $pending_list names $f, which does not exist" >&2; bad=1; }
done
if [ "$bad" -ne 0 ]; then exit 1; fi
echo "format.sh: $((${#files[@]} - ${#pending[@]})) files match .clang-format; ${#pending[@]} wait for the reformat ($pending_list)" >&2
