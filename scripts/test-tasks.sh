#!/usr/bin/env bash
# Runs every package's type-check and tests one task at a time (turbo, --continue) and, when any
# fails, repeats the failed tasks' failure reports at the very end of the output.
#
# Why: with --continue turbo streams the output of 20 tasks in order; a CI that keeps only the last
# lines of a run would show the summary ("Failed: @wspipe/x#test") without the assertion that
# failed, which scrolled by minutes earlier. Vitest ends its own output with a "Failed Tests"
# section; this script prints that section (or the task's last lines, for tsc) again.
set -uo pipefail

log="$(mktemp -t wspipe-test.XXXXXX)"
trap 'rm -f "$log"' EXIT

turbo run typecheck test --concurrency=1 --continue "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] && exit 0

# turbo's summary line: "Failed:    @wspipe/a#test, @wspipe/b#typecheck"
failed="$(sed -n 's/\x1b\[[0-9;]*m//g; s/^ *Failed: *//p' "$log" | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -v '^$' || true)"
echo
echo "==================== failed tasks, their reports again ===================="
for task in $failed; do
  prefix="${task/\#/:}:" # turbo prefixes a task's lines with "pkg:task:"
  lines="$(grep -aF "$prefix" "$log" | sed 's/\x1b\[[0-9;]*m//g')"
  report="$(printf '%s\n' "$lines" | awk '/Failed Tests [0-9]+|FAIL /{on=1} on' | head -n 300)"
  echo "---- $task"
  if [ -n "$report" ]; then printf '%s\n' "$report"; else printf '%s\n' "$lines" | tail -n 60; fi
done
exit "$status"
