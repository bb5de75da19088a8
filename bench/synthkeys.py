#!/usr/bin/env python3
"""bench/synthkeys.py KEYS PID[,PID...]

Makes the maps of the running exittop (the newest maps named "slots" and
"free_slots") hold KEYS live keys: counts the keys already there (a real
VM's), then adds the rest the way its BPF programs do for a key's first
exit: pop a slot from free_slots, insert (pid, vcpu, reason, SVM) ->
(slot, generation 0) into slots, and add them to keys_made in the
object's .bss (exittop lists the keys again when that moves). Keys are
spread over the PIDs (live processes: exittop keeps a key only while its
VMM lives), 64 reasons per vCPU. Counters stay zero: idle keys, whose
refresh cost (a slot -> row lookup and two loads each) is what the scale
table measures.
Only for a freshly started exittop (no slot freed yet, so every slot's
generation is 0) on a quiet machine (no exits claiming slots meanwhile:
stop the VMs first).

Prints "MADE FOUND": keys made, keys found already there; exit 1 when the
maps were not found or fewer slots were free than keys to make (the map is
smaller: the counts so far are printed first).
"""
import ctypes
import os
import struct
import sys

SYS_BPF = 321  # x86_64
BPF_MAP_LOOKUP_ELEM = 1
BPF_MAP_UPDATE_ELEM = 2
BPF_MAP_GET_NEXT_KEY = 4
BPF_MAP_GET_NEXT_ID = 12
BPF_MAP_GET_FD_BY_ID = 14
BPF_OBJ_GET_INFO_BY_FD = 15
BPF_MAP_LOOKUP_AND_DELETE_ELEM = 21
BPF_NOEXIST = 1
ISA_SVM = 2
REASONS_PER_VCPU = 64

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    """bpf(2) with ATTR (bytes, zero-padded to 128); returns (ret, attr buffer)."""
    buf = ctypes.create_string_buffer(attr.ljust(128, b"\0"), 128)
    ret = libc.syscall(SYS_BPF, cmd, buf, 128)
    if ret < 0:
        return -ctypes.get_errno(), buf
    return ret, buf


def maps_by_name():
    """{name: fd} of the newest map of each name."""
    found, mid = {}, 0
    while True:
        ret, buf = bpf(BPF_MAP_GET_NEXT_ID, struct.pack("I", mid))
        if ret < 0:
            return found
        mid = struct.unpack_from("II", buf.raw)[1]
        fd, _ = bpf(BPF_MAP_GET_FD_BY_ID, struct.pack("I", mid))
        if fd < 0:
            continue
        info = ctypes.create_string_buffer(80)
        _, _ = bpf(BPF_OBJ_GET_INFO_BY_FD, struct.pack("IIQ", fd, 80, ctypes.addressof(info)))
        name = info.raw[24:40].split(b"\0")[0].decode()
        if name in found:
            os.close(found[name])
        found[name] = fd


def count_keys(fd, key_size):
    """Keys in the hash map FD (one get-next-key call each)."""
    cur = ctypes.create_string_buffer(key_size)
    nxt = ctypes.create_string_buffer(key_size)
    n, first = 0, True
    while True:
        ret, _ = bpf(BPF_MAP_GET_NEXT_KEY, struct.pack(
            "IIQQ", fd, 0, 0 if first else ctypes.addressof(cur), ctypes.addressof(nxt)))
        if ret < 0:
            return n
        ctypes.memmove(cur, nxt, key_size)
        first = False
        n += 1


def main(argv):
    if len(argv) != 2 or not argv[0].isdigit():
        sys.stderr.write(__doc__)
        return 2
    want = int(argv[0])
    pids = [int(p) for p in argv[1].split(",")]
    m = maps_by_name()
    if "slots" not in m or "free_slots" not in m:
        sys.stderr.write("synthkeys.py: no exittop maps (slots, free_slots) loaded\n")
        return 1
    found = count_keys(m["slots"], 16)
    slot = ctypes.c_uint32()
    made = 0
    for i in range(max(want - found, 0)):
        ret, _ = bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM,
                     struct.pack("IIQQQ", m["free_slots"], 0, 0, ctypes.addressof(slot), 0))
        if ret < 0:
            break
        n = i // len(pids)
        key = ctypes.create_string_buffer(struct.pack(
            "IIII", pids[i % len(pids)], n // REASONS_PER_VCPU, n % REASONS_PER_VCPU, ISA_SVM))
        val = ctypes.create_string_buffer(struct.pack("II", slot.value, 0))
        ret, _ = bpf(BPF_MAP_UPDATE_ELEM, struct.pack(
            "IIQQQ", m["slots"], 0, ctypes.addressof(key), ctypes.addressof(val), BPF_NOEXIST))
        if ret < 0:
            sys.stderr.write(f"synthkeys.py: inserting key {i}: {os.strerror(-ret)}\n")
            break
        made += 1
    # exits.bpf.c counts the keys its programs make (keys_made, in its .bss)
    # and exittop lists the keys again only when that moved: count ours too
    if made and "exits.bss" in m:
        zero = ctypes.c_uint32(0)
        cnt = ctypes.c_uint64()
        ret, _ = bpf(BPF_MAP_LOOKUP_ELEM, struct.pack(
            "IIQQ", m["exits.bss"], 0, ctypes.addressof(zero), ctypes.addressof(cnt)))
        if ret == 0:
            cnt.value += made
            ret, _ = bpf(BPF_MAP_UPDATE_ELEM, struct.pack(
                "IIQQQ", m["exits.bss"], 0, ctypes.addressof(zero), ctypes.addressof(cnt), 0))
        if ret < 0:
            sys.stderr.write(f"synthkeys.py: counting the keys in exits.bss: {os.strerror(-ret)}\n")
            return 1
    print(made, found)
    return 0 if made + found >= want else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
