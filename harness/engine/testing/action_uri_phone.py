#!/usr/bin/env python3
"""Test-only: the phone's side of Yealink-style Action URI, in front of a real baresip.

Serves GET /servlet?key=... (HTTP Basic auth when --user is given) and turns each key into
baresip ctrl_tcp commands (netstring JSON): number=URI -> dial, OK / ASW:<id> -> accept,
CANCEL:<id> / CALLEND -> hangup, HOLD:<id> / UNHOLD:<id> -> hold / resume, F_TRANSFER digits
POUND -> transfer, digits -> sndcode. baresip's call events become the phone's Action URL
calls to the harness: GET <action-url>/event/incoming?call_id=...&remote=..., established,
terminated, ringback, transfer, hold, unhold.

Prints "READY <port>" on stdout once its HTTP port is bound and ctrl_tcp is connected.
--ignore: answers every command 200 and does nothing (a phone that ignores its commands).
Bounded: every socket has a timeout; the process ends on SIGTERM (the test stops it by PID).
"""
import argparse
import base64
import http.server
import json
import signal
import socket
import sys
import threading
import urllib.parse
import urllib.request

EVENTS = {
    "CALL_INCOMING": "incoming",
    "CALL_RINGING": "ringback",
    "CALL_ESTABLISHED": "established",
    "CALL_CLOSED": "terminated",
    "TRANSFER": "transfer",
}


class Baresip:
    """One ctrl_tcp connection: commands out (one lock), events in (a reader thread)."""

    def __init__(self, address, action_url):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.sock.settimeout(None)
        self.lock = threading.Lock()
        self.action_url = action_url.rstrip("/")
        self.token = 0
        threading.Thread(target=self.read, daemon=True).start()

    def command(self, name, params=""):
        with self.lock:
            self.token += 1
            msg = {"command": name, "token": "p%d" % self.token}
            if params:
                msg["params"] = params
            body = json.dumps(msg).encode()
            self.sock.sendall(b"%d:%s," % (len(body), body))

    def read(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b":" in buf:
                length, rest = buf.split(b":", 1)
                if not length.isdigit() or len(rest) < int(length) + 1:
                    break
                body, buf = rest[: int(length)], rest[int(length) + 1 :]
                try:
                    msg = json.loads(body)
                except ValueError:
                    continue
                if msg.get("event") and msg.get("type") in EVENTS:
                    self.tell(EVENTS[msg["type"]], msg.get("id", ""), msg.get("peeruri", ""))

    def tell(self, event, call_id, remote=""):
        query = {"call_id": call_id}
        if remote:
            query["remote"] = remote
        url = "%s/event/%s?%s" % (self.action_url, event, urllib.parse.urlencode(query))
        try:
            urllib.request.urlopen(url, timeout=2).read()
        except OSError as e:
            print("action url %s: %s" % (url, e), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--ctrl", required=True, help="baresip's ctrl_tcp HOST:PORT")
    p.add_argument("--action-url", required=True, help="the harness's listener: http://HOST:PORT")
    p.add_argument("--domain", default="example.test", help="for transfer targets typed as digits")
    p.add_argument("--user", default="")
    p.add_argument("--password-env", default="", help="variable holding the expected password")
    p.add_argument("--ignore", action="store_true")
    args = p.parse_args()
    password = ""
    if args.password_env:
        import os

        password = os.environ.get(args.password_env, "")
    expected = "Basic " + base64.b64encode(("%s:%s" % (args.user, password)).encode()).decode()
    phone = Baresip(args.ctrl, args.action_url)
    transfer = {"digits": None}

    def press(key):
        """One key, as the phone would act on it."""
        call, _, cid = key.partition(":")
        if key.startswith("number="):
            phone.command("dial", key[len("number=") :])
        elif key == "OK" or call == "ASW":
            if cid:
                phone.command("callfind", cid)
            phone.command("accept")
        elif call in ("CANCEL", "CALLEND"):
            if cid:
                phone.command("callfind", cid)
            phone.command("hangup")
        elif call in ("HOLD", "UNHOLD", "F_HOLD"):
            if cid:
                phone.command("callfind", cid)
            phone.command("resume" if call == "UNHOLD" else "hold")
            phone.tell("unhold" if call == "UNHOLD" else "hold", cid)
        elif key == "F_TRANSFER":
            transfer["digits"] = ""
        elif key == "POUND" and transfer["digits"] is not None:
            phone.command("transfer", "sip:%s@%s" % (transfer["digits"], args.domain))
            transfer["digits"] = None
        elif key.isdigit() or key in ("*", "POUND"):
            digit = "#" if key == "POUND" else key
            if transfer["digits"] is not None:
                transfer["digits"] += digit
            else:
                phone.command("sndcode", digit)
        else:
            return False
        return True

    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 5

        def answer(self, status, text=""):
            body = text.encode()
            self.send_response(status)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="phone"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if args.user and self.headers.get("Authorization") != expected:
                return self.answer(401, "login")
            if url.path != "/servlet":
                return self.answer(404)
            key = urllib.parse.parse_qs(url.query).get("key", [""])[0]
            if not key or args.ignore:
                return self.answer(200, "ok")
            return self.answer(200 if press(key) else 400, key)

        def log_message(self, fmt, *a):
            # The request line only (never the Authorization header).
            print("phone: " + (fmt % a), flush=True)

    host, port = args.listen.rsplit(":", 1)
    server = http.server.HTTPServer((host, int(port)), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
