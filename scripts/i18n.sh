#!/usr/bin/env bash
# Message catalogs of Parvis: extract -> update -> compile, for the core and each module.
#
#   scripts/i18n.sh              extract, update every catalog, compile (the usual run)
#   scripts/i18n.sh extract      extract the .pot templates and update the .po catalogs
#   scripts/i18n.sh compile      compile the .po catalogs into .mo files
#   scripts/i18n.sh init LANG    start a new language in the core and every module
#
# The core catalog (core/translations) holds the strings of core/, layouts/ and themes/;
# each module's catalog (modules/<id>/translations) holds only the strings of
# modules/<id>/. See docs/i18n.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYBABEL="${PYBABEL:-$ROOT/.venv/bin/pybabel}"
[ -x "$PYBABEL" ] || PYBABEL="pybabel"
LANGUAGES="${PARVIS_LANGUAGES:-fr}"
KEYWORDS=(-k _l -k lazy_gettext -k "lazy_ngettext:1,2")

# "<translations folder> <input folders...>" for the core, then one line per module.
catalogs() {
  echo "core/translations core layouts themes"
  for plugin in modules/*/plugin.py; do
    local dir
    dir="$(dirname "$plugin")"
    echo "$dir/translations $dir"
  done
}

extract() {
  local out="$1"; shift
  mkdir -p "$out"
  "$PYBABEL" -q extract -F babel.cfg "${KEYWORDS[@]}" --add-location=file --sort-by-file \
    --project=Parvis --copyright-holder="Parvis contributors" \
    -o "$out/messages.pot.new" "$@"
  # Keep the old template when only its creation date differs (no churn in git).
  if [ -f "$out/messages.pot" ] && diff -q -I '^"POT-Creation-Date:' "$out/messages.pot" "$out/messages.pot.new" >/dev/null; then
    rm "$out/messages.pot.new"
  else
    mv "$out/messages.pot.new" "$out/messages.pot"
  fi
  for lang in $LANGUAGES; do
    if [ -f "$out/$lang/LC_MESSAGES/messages.po" ]; then
      "$PYBABEL" -q update -i "$out/messages.pot" -d "$out" -l "$lang" \
        --ignore-obsolete --ignore-pot-creation-date
    else
      "$PYBABEL" -q init -i "$out/messages.pot" -d "$out" -l "$lang"
    fi
  done
}

compile_all() {
  local out="$1"
  for lang in $LANGUAGES; do
    if [ -f "$out/$lang/LC_MESSAGES/messages.po" ]; then
      "$PYBABEL" compile -d "$out" -l "$lang" --statistics
    fi
  done
}

command="${1:-all}"
case "$command" in
  all|extract|compile) ;;
  init)
    [ $# -eq 2 ] || { echo "usage: $0 init LANG" >&2; exit 2; }
    LANGUAGES="$2"
    command=extract
    ;;
  *) echo "usage: $0 [all|extract|compile|init LANG]" >&2; exit 2 ;;
esac

while read -r out inputs; do
  # shellcheck disable=SC2086 # the input folders are meant to be split
  if [ "$command" != compile ]; then extract "$out" $inputs; fi
  if [ "$command" != extract ]; then compile_all "$out"; fi
done < <(catalogs)
