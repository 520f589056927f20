#!/usr/bin/env python3
"""Checks what a volume read back after a crash against the model bench/crash-soak keeps.

Usage: soak-check.py MODEL BACK CHUNK [OFFSET LENGTH FILE]

MODEL is the volume as every flushed write left it; OFFSET LENGTH FILE is the one write that
was in flight (not acknowledged) when the gateway was killed, if any. Chunk by chunk (CHUNK
bytes, the volume's chunk size), BACK must equal MODEL, or, where the write in flight touched
the chunk, MODEL with that write applied to the chunk: the engine commits a chunk whole, so
an unacknowledged write may be there or not, chunk by chunk, but never half a chunk. That
holds per SCSI command, so the soak sends each write as one command.

Prints one line, "chunks N ok N new N lost N torn N", then up to five bad chunks; exits 0 when
nothing was lost or torn, 1 otherwise. "new" counts chunks that show the write in flight.
A torn chunk mixes sectors of both versions; a lost one matches neither at all.
"""
import sys


def main():
    model_path, back_path, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = open(model_path, "rb").read()
    back = open(back_path, "rb").read()
    new = model
    lo = hi = -1
    if len(sys.argv) > 4:
        off, length, path = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        data = open(path, "rb").read()[:length]
        new = model[:off] + data + model[off + len(data):]
        lo, hi = off, off + len(data)
    if len(back) != len(model):
        print(f"chunks 0 ok 0 new 0 lost {len(model) // chunk} torn 0")
        print(f"read back {len(back)} bytes, the volume has {len(model)}")
        return 1
    ok = fresh = lost = torn = 0
    bad = []
    for start in range(0, len(model), chunk):
        end = start + chunk
        b = back[start:end]
        if b == model[start:end]:
            ok += 1
            continue
        if start < hi and end > lo and b == new[start:end]:
            ok += 1
            fresh += 1
            continue
        sectors = range(start, end, 512)
        mixed = all(back[s:s + 512] in (model[s:s + 512], new[s:s + 512]) for s in sectors)
        if mixed and start < hi and end > lo:
            torn += 1
            bad.append(f"torn chunk at byte {start}: sectors of both the old and the new data")
        else:
            lost += 1
            differ = sum(1 for s in sectors if back[s:s + 512] != model[s:s + 512])
            bad.append(f"lost chunk at byte {start}: {differ} of {chunk // 512} sectors differ "
                       f"from the last flushed data")
    print(f"chunks {len(model) // chunk} ok {ok} new {fresh} lost {lost} torn {torn}")
    for line in bad[:5]:
        print(line)
    return 0 if lost == 0 and torn == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
