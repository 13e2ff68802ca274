#!/usr/bin/env bash
# samp11(1) and the bash completion the build made from the command line's own definition: the
# manual page renders without a groff warning and describes every command (each one `--help`
# knows, found by walking --help itself), with the exit statuses; the completion offers the
# commands and options of where the line is, and file names after an option that takes one.
# Usage: cli_reference_test.sh SAMP11_CLI MAN_PAGE COMPLETION
set -euo pipefail
samp11=$(realpath "$1")
man_page=$(realpath "$2")
completion=$(realpath "$3")
fail() { echo "FAIL: $*" >&2; exit 1; }

warnings=$(groff -man -Tutf8 -ww -z "$man_page" 2>&1)
[ -z "$warnings" ] || fail "groff: $warnings"
# Rendered on long lines without hyphenation, so that a phrase stays on one line.
text=$(groff -man -Tascii -rLL=400n -rHY=0 -P-c -P-b -P-u "$man_page" 2>/dev/null | col -bx)
flat=$(tr -s ' \t\n' ' ' <<<"$text")
for section in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS ENVIRONMENT "EXIT STATUS" FILES; do
  grep -q "^$section\$" <<<"$text" || fail "no $section section"
done
grep -q "3 .audit verify. found problems" <<<"$flat" || fail "the exit statuses are not in the page"
grep -q "0 approved, the SAD on stdout" <<<"$flat" || fail "device answer's exit statuses"

# Every command --help lists, at every depth, has its section; every option of a leaf command
# is in it.
commands() {  # commands PATH...: the subcommands `samp11 PATH --help` lists
  "$samp11" "$@" --help | sed -n '/^Subcommands:/,/^$/p' | sed -n 's/^  \([a-z0-9-]*\) .*/\1/p'
}
walk() {
  local path=("$@") sub
  for sub in $(commands "${path[@]}"); do
    grep -q "^   samp11 ${path[*]:+${path[*]} }$sub\$" <<<"$text" ||
      fail "no section for samp11 ${path[*]} $sub"
    walk "${path[@]}" "$sub"
  done
  [ ${#path[@]} -gt 0 ] || return 0
  local option
  for option in $("$samp11" "${path[@]}" --help | sed -n 's/^  \(-[a-z],\)\{0,1\}\(--[a-z0-9-]*\).*/\2/p'); do
    [ "$option" = --help ] && continue
    grep -q -- "$option" <<<"$text" || fail "samp11 ${path[*]}: $option is not in the page"
  done
}
walk
[ "$(grep -c '^   samp11 ' <<<"$text")" -ge 40 ] || fail "fewer than 40 commands described"

# The completion, as bash runs it.
# shellcheck disable=SC1090
source "$completion"
complete -p samp11 | grep -q -- "-F _samp11" || fail "the completion is not registered"
offered() {  # offered WORD...: what completing the last word offers
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _samp11
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
[[ $(offered samp11 '') == *"audit "*"key "*"metrics "*"token "* ]] || fail "top: $(offered samp11 '')"
[ "$(offered samp11 ke)" = "key " ] || fail "ke: $(offered samp11 ke)"
[[ $(offered samp11 key '') == *"csr "*"generate "*"generate-batch "* ]] ||
  fail "key: $(offered samp11 key '')"
[ "$(offered samp11 key generate --s)" = "--scal --signer --subject " ] ||
  fail "key generate --s: $(offered samp11 key generate --s)"
[ "$(offered samp11 --conf x.json audit show --la)" = "--last " ] ||
  fail "after --conf FILE: $(offered samp11 --conf x.json audit show --la)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
touch "$dir/metrics.prom"
[ "$(offered samp11 metrics --out "$dir/met")" = "$dir/metrics.prom " ] ||
  fail "a file after --out: $(offered samp11 metrics --out "$dir/met")"
echo "cli_reference_test: ok"
