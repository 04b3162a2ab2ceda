#!/usr/bin/python3
"""Fault-injecting TCP proxy for the network tests (Python stdlib only), on 127.0.0.1.

  faultproxy.py DIR LISTEN_PORT TARGET_PORT CONTROL_PORT

Forwards LISTEN_PORT to TARGET_PORT, except:
  - a client->server stream that, after "DATA", carries a token "CUT-ONCE-<word>" not seen
    before has its connection cut (both sides closed) right there, in the middle of DATA:
    the token is remembered, so the retry passes, and "cut <word>" is appended to DIR/faultproxy.log;
  - a line "DOWN" on the control port closes the listening socket (connections are refused),
    "UP" opens it again; the control connection answers "OK".
"""
import re, socket, sys, threading, time

d, listen_port, target_port, control_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
seen = set()
lock = threading.Lock()
listener = None


def pump(src, dst, watch):
    buf = b""
    in_data = False
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            if watch:
                # the chunk searched whole (a message may come in one chunk larger than the tail kept)
                buf = buf[-4096:] + chunk
                if not in_data and b"DATA\r\n" in buf.upper():
                    in_data = True
                m = re.search(rb"CUT-ONCE-([A-Za-z0-9]+)", buf) if in_data else None
                if m:
                    with lock:
                        fresh = m.group(1) not in seen
                        seen.add(m.group(1))
                    if fresh:
                        dst.sendall(chunk[: len(chunk) // 2])
                        with open(d + "/faultproxy.log", "a") as log:
                            log.write("cut %s\n" % m.group(1).decode())
                        break
            dst.sendall(chunk)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def serve(ls):
    while True:
        try:
            c, _ = ls.accept()
        except OSError:
            return
        try:
            t = socket.create_connection(("127.0.0.1", target_port), timeout=5)
            t.settimeout(None)
        except OSError:
            c.close()
            continue
        threading.Thread(target=pump, args=(c, t, True), daemon=True).start()
        threading.Thread(target=pump, args=(t, c, False), daemon=True).start()


def up():
    global listener
    with lock:
        if listener:
            return
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # the old listener may still be closing in its accept thread (and the machine may be
        # busy): try for up to five seconds
        for attempt in range(250):
            try:
                ls.bind(("127.0.0.1", listen_port))
                break
            except OSError:
                if attempt == 249:
                    raise
                time.sleep(0.02)
        ls.listen(16)
        listener = ls
    threading.Thread(target=serve, args=(ls,), daemon=True).start()


def down():
    global listener
    with lock:
        ls, listener = listener, None
    if ls:
        try:
            ls.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        ls.close()


up()
cs = socket.socket()
cs.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
cs.bind(("127.0.0.1", control_port))
cs.listen(4)
open(d + "/faultproxy.ready", "w").write("ok\n")
while True:
    c, _ = cs.accept()
    line = c.recv(64).strip().upper()
    try:
        if line == b"DOWN":
            down()
        elif line == b"UP":
            up()
        c.sendall(b"OK\r\n")
    except OSError as e:
        c.sendall(b"ERR %s\r\n" % str(e).encode())
    c.close()
