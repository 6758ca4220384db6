#!/usr/bin/env python3
# Wasmbed test peer: stands in for qemu-system-arm so the bridge of
# wasmbed-emu is tested over its real sockets (docs/link.md framing).
# SPDX-License-Identifier: Apache-2.0
#
# As "qemu": connects to the two -serial tcp: ports like QEMU does, then
# on the transport sends HELLO and OPEN, and with FAKE_QEMU_MODE=echo
# checks OPENED, a DATA round trip through the gateway and CLOSE; with
# FAKE_QEMU_MODE=refused checks that OPEN is answered by CLOSE. The
# result goes to the console ("fake: bridge ... ok" or "... FAILED").
# As "fake_qemu.py echo PORTFILE": a loopback echo server standing in
# for the gateway, its port written to PORTFILE.
import os
import signal
import socket
import struct
import sys
import time


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def frame(ftype, payload=b""):
    body = struct.pack(">BH", ftype, len(payload)) + payload
    return b"\x7e" + body + struct.pack(">H", crc16(body))


def read_frame(sock, deadline):
    buf = b""
    while True:
        sock.settimeout(max(0.01, deadline - time.time()))
        start = buf.find(b"\x7e")
        if start >= 0 and len(buf) - start >= 4:
            ftype, length = struct.unpack(">BH", buf[start + 1:start + 4])
            end = start + 6 + length
            if len(buf) >= end:
                body = buf[start + 1:start + 4 + length]
                crc = struct.unpack(">H", buf[end - 2:end])[0]
                if crc != crc16(body):
                    return None, b"bad crc"
                return ftype, buf[start + 4:end - 2]
        chunk = sock.recv(4096)
        if not chunk:
            return None, b"eof"
        buf += chunk


def echo_server(portfile):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = srv.accept()
        data = conn.recv(4096)
        while data:
            conn.sendall(data)
            data = conn.recv(4096)
        conn.close()


def run_board(ports):
    console = socket.create_connection(("127.0.0.1", ports[0]))
    transport = socket.create_connection(("127.0.0.1", ports[1]))
    mode = os.environ.get("FAKE_QEMU_MODE", "echo")
    console.sendall(b"fake: board up, mode %s\r\n" % mode.encode())
    transport.sendall(frame(5, b"fake") + frame(1))
    deadline = time.time() + 10
    ok = False
    if mode == "refused":
        ok = read_frame(transport, deadline)[0] == 4
    elif read_frame(transport, deadline)[0] == 2:
        transport.sendall(frame(3, b"ping \x7e\x00\xff"))
        got = read_frame(transport, deadline)
        ok = got == (3, b"ping \x7e\x00\xff")
        transport.sendall(frame(4))
    result = b"ok" if ok else b"FAILED"
    console.sendall(b"fake: bridge %s %s\r\n" % (mode.encode(), result))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(1)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "echo":
        echo_server(sys.argv[2])
        return
    ports = [int(a.rsplit(":", 1)[1])
             for a in sys.argv if a.startswith("tcp:127.0.0.1:")]
    run_board(ports)


main()
