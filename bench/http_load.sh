#!/usr/bin/env bash
# HTTP load benchmark of the game example (issue 4): wrk against `examples/game` on this machine.
#
# Usage:
#   bench/http_load.sh                                  # the full run (about 5 minutes)
#   DURATION=2s SEED=2000 bench/http_load.sh            # a quick check that everything works
#   BACKENDS=memory CONNECTIONS=64 OPS="read list" bench/http_load.sh
#   BACKENDS="baseline memory" OPS="read update create" bench/http_load.sh
#
# What it does, for each backend (memory, then a SQLite file in a temporary directory):
#   1. builds `examples/game`, `examples/seed` and `examples/bench_baseline` with --release (once),
#   2. for every op: starts the game example on a free port (SPECSTAR_ADDR=127.0.0.1:0) with an
#      empty store, seeds SEED characters through POST /character (examples/seed.rs;
#      level = i % 500), then runs wrk with bench/<op>.lua at every concurrency, DURATION each:
#        list    GET /character?qb=QB["level"] == N&limit=20   (indexed; 20 of 10 000 match)
#        read    GET /character/{id}
#        update  PUT /character/{id}   (a new revision each time)
#        create  POST /character
#      and stops the server with SIGTERM, so each op starts from the same seeded store;
#   3. prints one table: requests/s, p50 and p99 latency, non-2xx answers, socket errors, and
#      the issue's target for that line.
#
# The backend `baseline` (not run by default; always run last) is `examples/bench_baseline`:
# the issue's reference point, a bare axum server over a `Mutex<HashMap>` answering the same
# create, read and update requests (it has no list route, so `list` is skipped for it). Run it beside the others to see
# how fast this machine is compared with the one the issue's reference figures came from.
#
# Settings (environment): DURATION (10s), SEED (10000), CONNECTIONS ("16 64"), THREADS (wrk
# threads, 2), BACKENDS ("memory sqlite"), OPS ("list read update create"),
# CARGO_TARGET_DIR (where cargo builds; default ./target).
#
# Needs wrk (Debian: `apt-get install wrk`) and curl. Server and load generator share the
# machine, so figures on a 2-core box are a lower bound; run nothing else meanwhile.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export BENCH_DIR="$ROOT/bench"
DURATION="${DURATION:-10s}"
SEED="${SEED:-10000}"
CONNECTIONS="${CONNECTIONS:-16 64}"
THREADS="${THREADS:-2}"
BACKENDS="${BACKENDS:-memory sqlite}"
OPS="${OPS:-list read update create}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench/http_load.sh needs $tool: apt-get install $tool" >&2
    exit 1
  fi
done

echo "== building the examples (release)" >&2
(cd "$ROOT" && cargo build --release --example game --example seed --example bench_baseline) >&2
GAME="$TARGET_DIR/release/examples/game"
SEEDER="$TARGET_DIR/release/examples/seed"
BASELINE="$TARGET_DIR/release/examples/bench_baseline"

WORK="$(mktemp -d)"
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    # A server that grew to GBs is still being torn down by the kernel for a moment.
    sleep 2
  fi
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The issue's targets (requests/s), "-" where it sets none.
target() {
  case "$1/$2" in
    baseline/create) echo "85000 (ref)" ;;
    baseline/read) echo "100000 (ref)" ;;
    baseline/*) echo - ;;
    memory/create | memory/update) echo 40000 ;;
    memory/read) echo 50000 ;;
    sqlite/create) echo 8000 ;;
    sqlite/read) echo 25000 ;;
    */list) echo 5000 ;;
    *) echo - ;;
  esac
}

# Start `$1` (a server binary) on a free port with backend URL `$2`; sets SERVER_PID and BASE.
start_server() {
  local server="$1" url="$2" log="$WORK/server.log"
  SPECSTAR_ADDR=127.0.0.1:0 SPECSTAR_BACKEND="$url" "$server" >"$log" 2>&1 &
  SERVER_PID=$!
  BASE=""
  for _ in $(seq 1 300); do
    BASE="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 || true)"
    [[ -n "$BASE" ]] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not start:" >&2
  cat "$log" >&2
  exit 1
}

# The baseline runs last: its create lines grow it to a few GiB, and the lines that ran after
# it came out 10-15% slower than when run alone (memory update 33k against 40k).
ORDERED="$(for b in $BACKENDS; do [[ "$b" == baseline ]] || echo "$b"; done)"
[[ " $BACKENDS " == *" baseline "* ]] && ORDERED="$ORDERED baseline"

ROWS="$WORK/rows"
: >"$ROWS"
for backend in $ORDERED; do
  case "$backend" in
    memory) url="memory://" server="$GAME" ;;
    sqlite) url="sqlite://$WORK/bench.db" server="$GAME" ;;
    baseline) url="" server="$BASELINE" ;;
    *) echo "unknown backend $backend (memory, sqlite or baseline)" >&2; exit 1 ;;
  esac
  # Every op starts from the same state, a fresh server holding exactly the seeded characters,
  # so no line depends on how much an earlier line wrote (an update run alone adds hundreds of
  # thousands of revisions). Its two concurrencies run one after the other on that server.
  for op in $OPS; do
    [[ "$backend" == baseline && "$op" == list ]] && continue
    rm -f "$WORK"/bench.db*
    echo "== $backend/$op: starting $(basename "$server")" >&2
    start_server "$server" "$url"
    echo "== $backend/$op: seeding $SEED characters at $BASE" >&2
    export BENCH_IDS="$WORK/ids-$backend.txt"
    "$SEEDER" "$BASE" "$SEED" "$BENCH_IDS" >&2
    if [[ "$op" == list ]]; then
      matched="$(curl -sfG "$BASE/character/count" --data-urlencode 'qb=QB["level"] == 42')"
      echo "== $backend: the list query matches $matched of $SEED (returns at most 20)" >&2
    fi
    for conns in $CONNECTIONS; do
      echo "== $backend: $op, $conns connections, $DURATION" >&2
      result="$(wrk -t"$THREADS" -c"$conns" -d"$DURATION" --timeout 10s \
        -s "$BENCH_DIR/$op.lua" "$BASE" | grep '^RESULT' || true)"
      [[ -n "$result" ]] || { echo "wrk printed no result for $op" >&2; exit 1; }
      read -r _ rps p50 p99 non2xx errors <<<"$result"
      echo "$backend $op $conns $rps $p50 $p99 $non2xx $errors $(target "$backend" "$op")" >>"$ROWS"
    done
    stop_server
  done
done

echo
printf '%-8s %-7s %6s %9s %9s %9s %8s %7s %8s\n' \
  backend op conns 'req/s' 'p50 ms' 'p99 ms' non-2xx errors target
while read -r backend op conns rps p50 p99 non2xx errors tgt; do
  printf '%-8s %-7s %6s %9s %9s %9s %8s %7s %8s\n' \
    "$backend" "$op" "$conns" "$rps" "$p50" "$p99" "$non2xx" "$errors" "$tgt"
done <"$ROWS"
echo "(DURATION=$DURATION per line, $THREADS wrk threads, $SEED seeded characters, $(nproc) cores)"
if awk '$7 > 0 || $8 > 0 { bad = 1 } END { exit !bad }' "$ROWS"; then
  echo "some requests failed (non-2xx or socket errors): the figures of those lines do not count" >&2
  exit 1
fi
