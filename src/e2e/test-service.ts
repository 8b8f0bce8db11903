// The test service every cluster runs as its resource's exec script: it records each start and
// stop with a high-resolution wall-clock time, so the tests can rebuild who ran it when.

/**
 * The test service: `start` records, then leaves a `sleep` running as the service; `stop` records
 * and kills it; `status` says whether it runs. Control files in the directory change its
 * behaviour per node: `fail-monitor.NODE` makes status fail (exit 2), `hang-start.NODE` makes
 * start hang with a child, `slow-stop.NODE` makes stop take a second. Notifications succeed;
 * role changes are written to `notices`, one line each.
 */
export function serviceScript(dir: string): string {
  return `#!/bin/bash
# hastmon e2e test service: records every start and stop with a high-resolution wall-clock time,
# read from bash's own clock: a date(1) forked for it would add its fork to every measured start.
LC_ALL=C
dir='${dir}'
node="$HASTMON_NODE"
record() { echo "$node $1 $EPOCHREALTIME" >> "$dir/record"; }
# A zombie (nobody reaps here) runs nothing.
alive() { s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1); [ -n "$s" ] && [ "$s" != Z ]; }
case "$1" in
start)
  record start-begin
  if [ -e "$dir/hang-start.$node" ]; then
    sleep 1000 &
    echo $! >> "$dir/pids"
    echo $! > "$dir/hang-child.$node"
    echo $$ > "$dir/hang-script.$node"
    wait
    exit 1
  fi
  sleep 100000 </dev/null >/dev/null 2>&1 &
  echo $! >> "$dir/pids"
  echo $! > "$dir/service.$node"
  record start-end
  exit 0;;
stop)
  record stop-begin
  [ -e "$dir/slow-stop.$node" ] && sleep 1
  if [ -s "$dir/service.$node" ]; then
    kill "$(cat "$dir/service.$node")" 2>/dev/null
    rm -f "$dir/service.$node"
  fi
  record stop-end
  exit 0;;
status)
  [ -e "$dir/fail-monitor.$node" ] && exit 2
  [ -s "$dir/service.$node" ] && alive "$(cat "$dir/service.$node")" && exit 0
  exit 1;;
role)
  echo "$node $*" >> "$dir/notices"
  exit 0;;
*)
  exit 0;;
esac
`;
}
