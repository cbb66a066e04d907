#!/usr/bin/env bash
# A failover group of Lodestone nodes on this machine, for users without Docker and for the tests.
#
#   scripts/local-cluster.sh start N BASE_PORT DIR [--Setting value …]
#       starts N nodes on http://127.0.0.1:BASE_PORT … BASE_PORT+N-1 (ids node-1 … node-N, data under
#       DIR/node-i, logs in DIR/node-i.log, PIDs in DIR/node-i.pid), all members of one failover group
#       with a fresh cluster key (DIR/cluster-key); any further arguments go to every node. Returns
#       once every node answers /health and the group has chosen its primary; prints /topology.
#   scripts/local-cluster.sh stop DIR
#       stops every node started in DIR (SIGTERM, then SIGKILL after 10 s).
#
# The service runs from LODESTONE_DLL when set (a built Lodestone.Api.dll), else it is built once
# into DIR/bin. Every wait is bounded (START_TIMEOUT seconds, default 90).
set -euo pipefail

usage() { sed -n '2,14p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1
shift

health() { curl -sf -o /dev/null --max-time 2 "$1/health"; }

case "$command" in
start)
  [ $# -ge 3 ] || usage
  count=$1 base=$2 dir=$3
  shift 3
  [[ "$count" =~ ^[1-9][0-9]*$ && "$base" =~ ^[0-9]+$ ]] || usage
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  dll=${LODESTONE_DLL:-}
  if [ -z "$dll" ]; then
    root=$(cd "$(dirname "$0")/.." && pwd)
    echo "Building Lodestone into $dir/bin…" >&2
    dotnet build "$root/src/Lodestone.Api" -c Release -o "$dir/bin" -nologo -v quiet >&2
    dll="$dir/bin/Lodestone.Api.dll"
  fi
  [ -f "$dir/cluster-key" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/cluster-key"
  key=$(cat "$dir/cluster-key")
  members=()
  for ((i = 0; i < count; i++)); do
    members+=(--Failover:Members:$i:Id "node-$((i + 1))" --Failover:Members:$i:Url "http://127.0.0.1:$((base + i))")
  done
  for ((i = 1; i <= count; i++)); do
    port=$((base + i - 1))
    if [ -f "$dir/node-$i.pid" ] && kill -0 "$(cat "$dir/node-$i.pid")" 2>/dev/null; then
      echo "node-$i is running already (PID $(cat "$dir/node-$i.pid"))" >&2
      continue
    fi
    nohup dotnet "$dll" --Urls "http://127.0.0.1:$port" --Persistence:DataDirectory "$dir/node-$i" \
      --Failover:NodeId "node-$i" --Failover:ClusterKey "$key" "${members[@]}" "$@" \
      >>"$dir/node-$i.log" 2>&1 &
    echo $! >"$dir/node-$i.pid"
  done
  deadline=$((SECONDS + ${START_TIMEOUT:-90}))
  for ((i = 1; i <= count; i++)); do
    until health "http://127.0.0.1:$((base + i - 1))"; do
      if ! kill -0 "$(cat "$dir/node-$i.pid")" 2>/dev/null; then
        echo "node-$i exited; the end of $dir/node-$i.log:" >&2
        tail -20 "$dir/node-$i.log" >&2
        exit 1
      fi
      [ $SECONDS -lt $deadline ] || { echo "node-$i did not answer /health in time" >&2; exit 1; }
      sleep 0.2
    done
  done
  until topology=$(curl -sf --max-time 2 "http://127.0.0.1:$base/topology") && [[ "$topology" == *'"primary":"http'* ]]; do
    [ $SECONDS -lt $deadline ] || { echo "the group chose no primary in time: $topology" >&2; exit 1; }
    sleep 0.2
  done
  echo "$topology"
  ;;
stop)
  [ $# -ge 1 ] || usage
  dir=$1
  pids=()
  for file in "$dir"/node-*.pid; do
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$file"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  ;;
*)
  usage
  ;;
esac
