# Shared parts of the iSCSI benchmarks (sourced by bench/iscsi-vs-tgt and bench/gateway-vs-tgt):
# tool checks, ports, a private tgtd with one file LUN, qemu-img workloads and the result table.
# A script that sources this sets LUN_SIZE, SCALE and WORK first, and adds its own process ids
# to PIDS so that the exit trap stops them.
# shellcheck shell=bash

TGT_IQN=iqn.2026-01.io.tiergate.bench:tgt
TGT_CONTROL_PORT=$(( 20000 + RANDOM % 10000 ))
PIDS=()
say() { printf '[bench] %s\n' "$*" >&2; }

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi

# need_tools TOOL...: installs tgt when missing; fails on any other missing tool.
need_tools() {
  if ! command -v tgtd >/dev/null 2>&1; then
    say "installing tgt"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq tgt >/dev/null
  fi
  local tool
  for tool in qemu-img python3 "$@"; do
    command -v "$tool" >/dev/null || { say "missing $tool"; exit 1; }
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {
  for _ in $(seq 1 300); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))"; then
      return 0
    fi
    sleep 0.1
  done
  say "nothing listens on port $1"; return 1
}

# stop PID: SIGTERM, then SIGKILL after 3 s (tgtd in the foreground does not always honour
# SIGTERM). STOP_WAIT overrides the grace period in tenths of a second.
stop() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < ${STOP_WAIT:-30}; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_tgt: a private tgtd on its own control port, one file LUN of LUN_SIZE on $WORK (LUN 1;
# 0 is the controller). Sets TGT_URL and TGT_PID.
start_tgt() {
  local port
  port=$(free_port)
  truncate -s "$LUN_SIZE" "$WORK/tgt.img"
  $sudo tgtd -f -C "$TGT_CONTROL_PORT" --iscsi "portal=127.0.0.1:$port" >"$WORK/tgtd.log" 2>&1 &
  TGT_PID=$!
  PIDS+=("$TGT_PID")
  disown "$TGT_PID"
  wait_port "$port"
  $sudo tgtadm -C "$TGT_CONTROL_PORT" --lld iscsi --op new --mode target --tid 1 -T "$TGT_IQN"
  $sudo tgtadm -C "$TGT_CONTROL_PORT" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 \
    -b "$WORK/tgt.img"
  $sudo tgtadm -C "$TGT_CONTROL_PORT" --lld iscsi --op bind --mode target --tid 1 -I ALL
  TGT_URL="iscsi://127.0.0.1:$port/$TGT_IQN/1"
  say "tgt $(tgtd -V 2>/dev/null || echo) on port $port; LUN $LUN_SIZE"
}

# bench URL SIZE_BYTES DEPTH COUNT [-w] -> MiB/s. Writes carry BENCH_PATTERN (a byte value)
# when set.
bench() {
  local url=$1 size=$2 depth=$3 count=$4 write=${5:-}
  local out secs pattern=()
  if [ -n "$write" ] && [ -n "${BENCH_PATTERN:-}" ]; then pattern=(--pattern="$BENCH_PATTERN"); fi
  out=$(qemu-img bench -f raw -t none -d "$depth" -s "$size" -c "$count" $write "${pattern[@]}" \
    "$url" 2>&1) || { say "qemu-img bench failed: $out"; echo 0; return; }
  secs=$(sed -n 's/.*Run completed in \([0-9.]*\) seconds.*/\1/p' <<<"$out")
  python3 -c "print(f'{$count*$size/1048576/$secs:.1f}')"
}

# convert_in FILE URL -> MiB/s of copying FILE into the LUN (qemu-img convert, existing target).
convert_in() {
  local file=$1 url=$2 t0 t1 mib
  mib=$(( $(stat -c %s "$file") >> 20 ))
  t0=$(date +%s.%N)
  qemu-img convert -n -f raw -O raw "$file" "$url" >/dev/null 2>&1 || { echo 0; return; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$mib/($t1-$t0):.1f}')"
}

# convert_out URL -> MiB/s of copying the whole LUN out to a file.
convert_out() {
  local url=$1 t0 t1
  t0=$(date +%s.%N)
  qemu-img convert -f raw -O raw "$url" "$WORK/back.raw" >/dev/null 2>&1 || { echo 0; return; }
  t1=$(date +%s.%N)
  rm -f "$WORK/back.raw"
  python3 -c "print(f'{$LUN_MIB/($t1-$t0):.1f}')"
}

n() { python3 -c "print(max(1,int($1*$SCALE)))"; }

# mib SIZE: a size such as 1G, 512M or 1073741824 in MiB.
mib() {
  python3 -c "import sys; s='$1'.upper().rstrip('IB'); u={'K':1/1024,'M':1,'G':1024,'T':1048576}; print(int(float(s[:-1])*u[s[-1]]) if s[-1] in u else int(s)//1048576)"
}

# cpu_ticks PID: user+system CPU time the process has used, in clock ticks (0 when gone).
cpu_ticks() {
  [ -n "${1:-}" ] || { echo 0; return; }
  awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# The table. With TGT_CPU_PID and OUR_CPU_PID set, timed() also records the CPU seconds each
# target spent on a case: on a loaded machine these say more than MiB/s alone.
header() {
  printf '%-28s %12s %12s %8s' "case" "tgt MiB/s" "ours MiB/s" "ours/tgt"
  [ -n "${OUR_CPU_PID:-}" ] && printf ' %9s %9s' "tgt cpu-s" "our cpu-s"
  printf '\n'
}
row() {
  local name=$1 tgt=$2 ours=$3
  printf '%-28s %12s %12s %8s' "$name" "$tgt" "$ours" \
    "$(python3 -c "print(f'{$ours/$tgt:.2f}x' if $tgt > 0 else 'n/a')")"
  [ -n "${OUR_CPU_PID:-}" ] && printf ' %9s %9s' "$(cat "$WORK/cpu.tgt")" "$(cat "$WORK/cpu.ours")"
  printf '\n'
}

# timed tgt|ours CMD...: runs CMD (which prints a figure), noting the CPU seconds the target
# process spent meanwhile in $WORK/cpu.tgt or $WORK/cpu.ours.
timed() {
  local who=$1 pid a b out
  shift
  if [ "$who" = tgt ]; then pid=${TGT_CPU_PID:-}; else pid=${OUR_CPU_PID:-}; fi
  a=$(cpu_ticks "$pid")
  out=$("$@")
  b=$(cpu_ticks "$pid")
  python3 -c "print(f'{($b - $a) / $(getconf CLK_TCK):.1f}')" >"$WORK/cpu.$who"
  echo "$out"
}

# The qemu-img bench cases: name:size:depth:count:write.
BENCH_CASES=("4KiB QD32 read:4096:32:40000:" "4KiB QD32 write:4096:32:40000:-w"
  "64KiB QD32 read:65536:32:8000:" "64KiB QD32 write:65536:32:8000:-w"
  "1MiB QD8 read:1048576:8:800:" "1MiB QD8 write:1048576:8:800:-w")

# bench_rows OUR_URL: every bench case against tgt and OUR_URL, one row each.
bench_rows() {
  local our=$1 spec name size depth count write t o
  for spec in "${BENCH_CASES[@]}"; do
    IFS=: read -r name size depth count write <<<"$spec"
    count=$(n "$count")
    t=$(timed tgt bench "$TGT_URL" "$size" "$depth" "$count" "$write")
    o=$(timed ours bench "$our" "$size" "$depth" "$count" "$write")
    row "$name" "$t" "$o"
  done
}
