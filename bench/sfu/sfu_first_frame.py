#!/usr/bin/python3
"""Time from joining an SFU room to the first decoded frame, for headless Chromium, on icemesh and on Janus.

Each run: a publisher page (fake camera) joins a fresh room and publishes; after --settle seconds a subscriber page
joins and the page marks the times, from the start of its join, of its answer, of connectionState "connected"
(ICE and DTLS done) and of the first frame presented (requestVideoFrameCallback). Servers alternate run by run.
Chromium is driven through chromedriver's W3C WebDriver HTTP API (no Selenium needed); the page is
first-frame.html, served from 127.0.0.1.

    /usr/bin/python3 bench/sfu/sfu_first_frame.py --icemesh http://127.0.0.1:8080 --janus ws://127.0.0.1:8188 --runs 5
"""
import argparse
import functools
import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                 "--disable-features=WebRtcHideLocalIpsWithMdns", "--disable-dev-shm-usage"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(method, url, body=None, timeout=120):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


class Browser:
    """One headless Chromium through chromedriver."""

    def __init__(self, driver_url):
        self.driver_url = driver_url
        self.profile = tempfile.mkdtemp(prefix="sfu-ff-chromium-")
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium", "args": CHROMIUM_ARGS + ["--user-data-dir=" + self.profile]}}}}
        self.session = http_json("POST", driver_url + "/session", caps)["value"]["sessionId"]

    def get(self, url):
        http_json("POST", "%s/session/%s/url" % (self.driver_url, self.session), {"url": url})

    def js(self, script):
        return http_json("POST", "%s/session/%s/execute/sync" % (self.driver_url, self.session),
                         {"script": script, "args": []})["value"]

    def wait(self, script, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.js(script)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError("%s not true after %d s; bench: %s" % (script, timeout_s, self.js("return window.bench")))

    def close(self):
        try:
            http_json("DELETE", "%s/session/%s" % (self.driver_url, self.session))
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def serve_page():
    port = free_port()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=HERE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d/first-frame.html" % port


def one_run(server, args, page, pub, sub, run):
    room_name = "ff-%d-%d" % (int(time.time()), run)
    prep = "1" if args.prepared else "0"
    if server.startswith("icemesh"):
        # icemesh-late: the subscriber offers once "joined" comes, instead of in its join (the way before 2026-12-07)
        late = {"offerInJoin": "0"} if server == "icemesh-late" else {}
        ws = args.icemesh.replace("http", "ws", 1).rstrip("/") + "/ws"

        def token(user):
            return http_json("POST", args.icemesh.rstrip("/") + "/api/dev/token",
                             {"room": room_name, "user": user, "mode": "sfu"})["token"]
        pub.get(page + "?" + urllib.parse.urlencode({"server": "icemesh", "role": "publisher", "ws": ws,
                                                     "token": token("pub")}))
        pub.wait("return window.bench && (window.bench.error || window.bench.ready)", 60)
        time.sleep(args.settle)
        sub.get(page + "?" + urllib.parse.urlencode({"server": "icemesh", "role": "subscriber", "ws": ws,
                                                     "token": token("sub"), "prepared": prep, **late}))
    else:
        room = int(time.time()) % 100000 * 100 + run
        pub.get(page + "?" + urllib.parse.urlencode({"server": "janus", "role": "publisher", "ws": args.janus,
                                                     "room": room}))
        feed = pub.wait("return window.bench && (window.bench.error || window.bench.feed)", 60)
        time.sleep(args.settle)
        sub.get(page + "?" + urllib.parse.urlencode({"server": "janus", "role": "subscriber", "ws": args.janus,
                                                     "room": room, "feed": feed, "prepared": prep}))
    if args.prepared:  # the click, once the page did what it does before one
        sub.wait("return window.bench && (window.bench.error || window.benchReady)", 60)
        sub.js("window.benchGo && window.benchGo()")
    sub.wait("return window.bench && (window.bench.error || window.bench.firstFrameMs)", 60)
    result = sub.js("return window.bench")
    for b in (pub, sub):  # leave the room: the next run starts clean
        b.get("about:blank")
    if result.get("error"):
        raise RuntimeError("%s: %s" % (server, result["error"]))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--icemesh", required=True, help="signaling base URL")
    parser.add_argument("--janus", required=True, help="Janus WebSocket URL")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=3, help="seconds the publisher sends before the join")
    parser.add_argument("--prepared", action="store_true",
                        help="the subscriber page does what an app does before its join button is clicked (socket, "
                             "session; icemesh: its connection and offer) and the times count from the click")
    parser.add_argument("--offer-after-joined", action="store_true",
                        help="also measure icemesh with the subscriber's offer sent after 'joined' (icemesh-late), "
                             "alternated with the others in the same run")
    args = parser.parse_args()
    driver_port = free_port()
    driver = subprocess.Popen(["/usr/bin/chromedriver", "--port=%d" % driver_port], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    driver_url = "http://127.0.0.1:%d" % driver_port
    page = serve_page()
    servers = ["icemesh", "janus"] + (["icemesh-late"] if args.offer_after_joined else [])
    results = {server: [] for server in servers}
    try:
        for _ in range(100):
            try:
                http_json("GET", driver_url + "/status", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        pub, sub = Browser(driver_url), Browser(driver_url)
        try:
            for server in servers:  # warm-up of both, not counted; a failure here is retried once
                try:
                    one_run(server, args, page, pub, sub, 0)
                except (RuntimeError, TimeoutError) as e:
                    print("warm-up %s failed (%s); again" % (server, e), file=sys.stderr, flush=True)
                    one_run(server, args, page, pub, sub, 0)
            for run in range(1, args.runs + 1):
                order = servers[run % len(servers):] + servers[:run % len(servers)]
                for server in order:
                    r = one_run(server, args, page, pub, sub, run)
                    r.update({"server": server, "run": run})
                    print(json.dumps(r), flush=True)
                    results[server].append(r)
        finally:
            pub.close()
            sub.close()
    finally:
        driver.terminate()
        driver.wait(10)
    summary = {}
    for server, runs in results.items():
        summary[server] = {k: statistics.median(r[k] for r in runs if r.get(k) is not None)
                           for k in ("joinedMs", "offerSentMs", "answeredMs", "connectedMs", "firstFrameMs")
                           if any(r.get(k) is not None for r in runs)}
    print(json.dumps({"firstFrameMedians": summary, "runs": args.runs}), flush=True)


if __name__ == "__main__":
    main()
