"""Device access for cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program built from Docker's default rules.

cgroup v2 has no devices controller; the kernel asks a BPF program attached to the cgroup instead. The program
allows mknod of any device (as Docker's ``c *:* m`` / ``b *:* m``), full access to the default devices, and
denies everything else. Pure: it only assembles instructions; ``linux.syscalls`` loads and attaches them.
"""

from __future__ import annotations

import struct

BLOCK, CHAR = 1, 2  # BPF_DEVCG_DEV_*
ACC_MKNOD = 1  # BPF_DEVCG_ACC_MKNOD

# (type, major, minor or None for any): Docker's default allow list (v1 twin: v1.DEVICE_RULES)
ALLOWED: tuple[tuple[int, int, int | None], ...] = (
    (CHAR, 1, 3), (CHAR, 1, 5), (CHAR, 1, 7), (CHAR, 1, 8), (CHAR, 1, 9), (CHAR, 5, 0), (CHAR, 5, 1), (CHAR, 5, 2),
    (CHAR, 136, None), (CHAR, 10, 200),
)

# opcodes
_LDXW = 0x61  # r_dst = *(u32 *)(r_src + off)
_AND32_K = 0x54
_RSH32_K = 0x74
_MOV32_X = 0xBC
_MOV64_K = 0xB7
_JEQ_K = 0x15
_JNE_K = 0x55
_EXIT = 0x95


def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def program(allowed: tuple[tuple[int, int, int | None], ...] = ALLOWED) -> bytes:
    """The program's instructions. Registers: r2 type, r3 access, r4 major, r5 minor (r1 = the context)."""
    body: list[tuple[int, int, int, str | int, int]] = [  # (code, dst, src, off or label, imm)
        (_LDXW, 2, 1, 0, 0), (_MOV32_X, 3, 2, 0, 0), (_AND32_K, 2, 0, 0, 0xFFFF), (_RSH32_K, 3, 0, 0, 16),
        (_LDXW, 4, 1, 4, 0), (_LDXW, 5, 1, 8, 0),
        (_JEQ_K, 3, 0, "allow", ACC_MKNOD),
    ]
    for n, (kind, major, minor) in enumerate(allowed):
        nxt = f"rule{n + 1}"
        body += [(_JNE_K, 2, 0, nxt, kind), (_JNE_K, 4, 0, nxt, major)]
        if minor is not None:
            body.append((_JNE_K, 5, 0, nxt, minor))
        body += [(_MOV64_K, 0, 0, 0, 1), (_EXIT, 0, 0, 0, 0), (f"rule{n + 1}",)]  # type: ignore[list-item]
    body += [(_MOV64_K, 0, 0, 0, 0), (_EXIT, 0, 0, 0, 0), ("allow",), (_MOV64_K, 0, 0, 0, 1),  # type: ignore[list-item]
             (_EXIT, 0, 0, 0, 0)]
    return _assemble(body)


def _assemble(body: list) -> bytes:
    labels: dict[str, int] = {}
    insns = []
    for item in body:
        if len(item) == 1:
            labels[item[0]] = len(insns)
        else:
            insns.append(item)
    out = []
    for pc, (code, dst, src, off, imm) in enumerate(insns):
        if isinstance(off, str):
            off = labels[off] - pc - 1
        out.append(_insn(code, dst, src, off, imm))
    return b"".join(out)


def evaluate(prog: bytes, kind: int, access: int, major: int, minor: int) -> int:
    """Run the program on one request (a tiny interpreter for the opcodes above, for unit tests)."""
    ctx = ((access << 16) | kind, major, minor)
    regs = [0] * 11
    pc = 0
    while True:
        code, regbyte, off, imm = struct.unpack_from("<BBhi", prog, pc * 8)
        dst, src = regbyte & 0xF, regbyte >> 4
        pc += 1
        if code == _LDXW:
            regs[dst] = ctx[off // 4]
        elif code == _MOV32_X:
            regs[dst] = regs[src] & 0xFFFFFFFF
        elif code == _AND32_K:
            regs[dst] &= imm & 0xFFFFFFFF
        elif code == _RSH32_K:
            regs[dst] = (regs[dst] & 0xFFFFFFFF) >> imm
        elif code == _MOV64_K:
            regs[dst] = imm
        elif code in (_JEQ_K, _JNE_K):
            if (regs[dst] == imm) == (code == _JEQ_K):
                pc += off
        elif code == _EXIT:
            return regs[0]
        else:
            raise ValueError(f"unknown opcode {code:#x}")


def parse_rules(rules: tuple[str, ...]) -> tuple[tuple[int, int, int | None], ...]:
    """v1-style rules (``c 10:229 rwm``, ``b 8:* rw``) as program entries. The program grants any access to a
    listed device (the access letters are honoured by the v1 driver only)."""
    out: list[tuple[int, int, int | None]] = []
    for rule in rules:
        kind, numbers, *_ = rule.split()
        major, _, minor = numbers.partition(":")
        if kind not in ("c", "b") or major == "*":
            raise ValueError(f"device rule {rule!r}: give a device type (c or b) and a major number")
        out.append((CHAR if kind == "c" else BLOCK, int(major), None if minor == "*" else int(minor)))
    return tuple(out)
