#!/usr/bin/env python3
"""Attacks on the exporter's HTTP server, from outside the process.

    export-attack.py burst HOST PORT N
        N clients connect, then each sends a complete GET at once; every one
        must get a response, 200 or 503 (never a close or a reset without one).

    export-attack.py flood HOST PORT N
        The same, each client sending its GET as soon as it is connected
        (with N above the server's connection cap, a client that connected
        and sent nothing for a second may be closed for a new one: that is
        an idle connection, not an unanswered request).

    export-attack.py nonreaders HOST PORT N SCRAPES
        N clients send a GET of a large /metrics and never read; meanwhile
        SCRAPES legitimate scrapes, one a second, must each get a complete
        200 within 2 s. Also reports the largest send queue the kernel holds
        for one non-reader (ss), which must stay under 1 MiB.

With EXPORT_ATTACK_CA=FILE the clients speak TLS (that CA verifies the
server), with EXPORT_ATTACK_AUTH=USER:PASSWORD they send basic auth.

Prints one line per check ("ok ..." / "FAIL ..."); exit 0 when all passed.
"""
import base64
import os
import socket
import ssl
import subprocess
import sys
import time

AUTH = os.environ.get("EXPORT_ATTACK_AUTH")
REQ = (b"GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n" +
       (b"Authorization: Basic " + base64.b64encode(AUTH.encode()) + b"\r\n" if AUTH else b"") +
       b"\r\n")
CA = os.environ.get("EXPORT_ATTACK_CA")
TLS = ssl.create_default_context(cafile=CA) if CA else None


def connect(host, port, timeout, rcvbuf=0):
    """A connected client socket (TLS when EXPORT_ATTACK_CA is set)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((host, port))
    return TLS.wrap_socket(s, server_hostname=host) if TLS else s


def status_of(sock, limit_s):
    """Status code of the response on sock, or a description of what came instead."""
    sock.settimeout(limit_s)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return "closed without a response" if not data else "truncated status line"
            data += chunk
    except (ConnectionResetError, ssl.SSLError):
        return "reset" if not data else "reset in the status line"
    except socket.timeout:
        return "no response within %g s" % limit_s
    line = data.split(b"\r\n", 1)[0].split()
    return line[1].decode() if len(line) >= 2 else "bad status line %r" % data[:40]


def burst(host, port, n, send_at_once):
    socks = []
    for _ in range(n):
        s = connect(host, port, 10)
        if send_at_once:
            s.sendall(REQ)
        socks.append(s)
    if not send_at_once:
        for s in socks:
            s.sendall(REQ)
    counts = {}
    for s in socks:
        st = status_of(s, 10)
        counts[st] = counts.get(st, 0) + 1
        s.close()
    good = counts.get("200", 0) + counts.get("503", 0)
    desc = ", ".join("%s: %d" % kv for kv in sorted(counts.items()))
    if good == n:
        print("ok   %d simultaneous complete requests all answered (%s)" % (n, desc))
        return True
    print("FAIL %d simultaneous complete requests: %d answered 200/503 (%s)" % (n, good, desc))
    return False


def scrape(host, port, limit_s):
    """(status, seconds, bytes) of one full scrape."""
    t0 = time.monotonic()
    try:
        s = connect(host, port, limit_s)
    except OSError as e:
        return ("connect: %s" % e, time.monotonic() - t0, 0)
    s.sendall(REQ)
    st = status_of(s, limit_s)
    n = 0
    try:
        s.settimeout(max(0.01, limit_s - (time.monotonic() - t0)))
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            n += len(chunk)
    except (socket.timeout, ConnectionResetError, ssl.SSLError):
        st = "%s, body not complete" % st
    s.close()
    return (st, time.monotonic() - t0, n)


def max_send_queue(port, clients):
    """Largest Send-Q of the server's side of the given client connections."""
    peers = {"127.0.0.1:%d" % c.getsockname()[1] for c in clients}
    out = subprocess.run(["ss", "-Htn", "state", "established", "( sport = :%d )" % port],
                         capture_output=True, text=True, check=False).stdout
    worst = 0
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and f[3] in peers:
            worst = max(worst, int(f[1]))
    return worst


def nonreaders(host, port, n, scrapes):
    ok = True
    clients = []
    for _ in range(n):
        c = connect(host, port, 10, rcvbuf=4096)
        c.sendall(REQ)
        clients.append(c)
    time.sleep(0.5)
    worst = 0.0
    for i in range(scrapes):
        st, secs, nbytes = scrape(host, port, 2.0)
        worst = max(worst, secs)
        if st != "200" or secs > 2.0:
            print("FAIL scrape %d with %d non-reading clients: %s after %.2f s (%d bytes)"
                  % (i + 1, n, st, secs, nbytes))
            ok = False
        time.sleep(1)
    if ok:
        print("ok   %d scrapes with %d non-reading clients: all 200, slowest %.2f s (%d bytes each)"
              % (scrapes, n, worst, nbytes))
    q = max_send_queue(port, clients)
    if q <= 1 << 20:
        print("ok   largest kernel send queue for one non-reader: %d bytes" % q)
    else:
        print("FAIL kernel send queue for one non-reader: %d bytes (> 1 MiB)" % q)
        ok = False
    for c in clients:
        c.close()
    return ok


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode in ("burst", "flood"):
        return 0 if burst(host, port, int(sys.argv[4]), mode == "flood") else 1
    if mode == "nonreaders" and len(sys.argv) == 6:
        return 0 if nonreaders(host, port, int(sys.argv[4]), int(sys.argv[5])) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
