"""Debian's Chromium driven over the DevTools protocol on a pipe, with only the domains a
measurement needs: the memory figures of bench/view are taken through it, not through Playwright.

Why not Playwright: it enables the DevTools Network domain on every page, and the renderer's
network agent then keeps a record of every request (and the text of every script) for the
inspector: about 10 KB per distinct picture URL, never freed (a probe page loading 30,000
distinct picture URLs: renderer private footprint 81 MB without the agent, 371 MB and rising with
it). A user's browser has no inspector attached, so the view's figures are measured without one.

    with Chromium() as chromium:
        page = chromium.open("file:///…/index.html")
        chromium.evaluate(page, "document.title")
        chromium.renderer_memory_mb()

Memory is read per renderer process from /proc: VmRSS, and Chromium's own private memory
footprint, which on Linux is RssAnon + VmSwap (memory_instrumentation's
CalculatePrivateFootprintKb; what Chrome's task manager shows as "Memory footprint").
"""
import json
import os
import shutil
import subprocess
import tempfile

CHROMIUM = "/usr/bin/chromium"


class ProtocolError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium with a fresh profile, spoken to over --remote-debugging-pipe (the
    browser reads commands on fd 3 and writes replies and events on fd 4, NUL-separated JSON)."""

    def __init__(self, width=1280, height=1000):
        self.profile = tempfile.mkdtemp(prefix="chromium-pipe-")
        commands_read, commands_write = os.pipe()
        replies_read, replies_write = os.pipe()
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=lambda: (os.dup2(commands_read, 3), os.dup2(replies_write, 4)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(replies_write)
        self.commands = os.fdopen(commands_write, "wb", buffering=0)
        self.replies = os.fdopen(replies_read, "rb", buffering=0)
        self.pending = b""
        self.last_id = 0
        self.events = []  # events received while waiting for replies, oldest first

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def send(self, method, params=None, session=None):
        """Sends a command (to the browser, or to the page `session`) and returns its result."""
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.commands.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self._next_message()
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    raise ProtocolError(f"{method}: {reply['error'].get('message')}")
                return reply["result"]
            if "method" in reply:
                self.events.append(reply)

    def wait_for_event(self, method):
        """The next event named `method` (earlier ones already received count first)."""
        while True:
            for index, event in enumerate(self.events):
                if event["method"] == method:
                    return self.events.pop(index)
            self.events.append(self._next_message())

    def open(self, url):
        """A new page navigating to `url`; returns its session id."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.navigate", {"url": url}, session)
        return session

    def evaluate(self, session, expression):
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True},
                           session)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise ProtocolError(f"{expression[:80]}: {details.get('exception', {}).get('description', details.get('text'))}")
        return result["result"].get("value")

    def renderer_memory_mb(self):
        """{"rss": MB, "private_footprint": MB} of this browser's largest renderer by footprint."""
        largest = {"rss": 0.0, "private_footprint": 0.0}
        for process in self.send("SystemInfo.getProcessInfo")["processInfo"]:
            if process["type"] != "renderer":
                continue
            try:
                fields = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in open(f"/proc/{process['id']}/status")
                          if line.startswith(("VmRSS:", "RssAnon:", "VmSwap:"))}
            except OSError:
                continue  # the renderer ended meanwhile
            footprint = fields.get("RssAnon", 0) + fields.get("VmSwap", 0)
            if footprint > largest["private_footprint"]:
                largest = {"rss": fields.get("VmRSS", 0), "private_footprint": footprint}
        return largest

    def close(self):
        try:
            self.send("Browser.close")
        except (ProtocolError, OSError):
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _next_message(self):
        while b"\0" not in self.pending:
            chunk = self.replies.read(1 << 16)
            if not chunk:
                raise ProtocolError(f"{CHROMIUM} closed the DevTools pipe (exit status {self.process.poll()})")
            self.pending += chunk
        raw, self.pending = self.pending.split(b"\0", 1)
        return json.loads(raw)
