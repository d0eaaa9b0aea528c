"""The teaching page's HTTP server: static files, a JSON API and one
server-sent-event stream per tab (stdlib ``http.server``; see
docs/architecture.md for why not WebSocket or cpp-httplib).

    GET  /                         the page (static/index.html); /static/* its assets
    GET  /api/config               knobs, charts, scenarios the page may open
    POST /api/sessions             {scenario, seed, shocks} → the session (503: the limit)
    GET  /api/sessions/ID/stream   server-sent events: "days" (new days) and "state"
    POST /api/sessions/ID/control  {action: run|pause|step|speed, days, speed}
    POST /api/sessions/ID/shock    {knob, value, extra} or {shock: {...}} → the event, or 400 + message
    GET  /api/sessions/ID/export   the session as a scenario file (YAML, a download)
    POST /api/sessions/ID/close    frees the engine (the page sends it when the tab closes)
"""

from __future__ import annotations

import json
import pathlib
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .sessions import SessionError, SessionManager, knob_shock

STATIC = pathlib.Path(__file__).resolve().parent / "static"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
MAX_BODY = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    server: "TeachingServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet unless asked
        if self.server.verbose:
            super().log_message(fmt, *args)

    # -- replies --

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value, allow_nan=False).encode(), "application/json")

    def _error(self, err: SessionError) -> None:
        self._json(err.status, {"error": str(err)})

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise SessionError("request too large")
        raw = self.rfile.read(length) if length else b"{}"
        try:
            value = json.loads(raw or b"{}")
        except json.JSONDecodeError as err:
            raise SessionError(f"request body is not JSON: {err}") from None
        if not isinstance(value, dict):
            raise SessionError("request body must be a JSON object")
        return value

    # -- routes --

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        try:
            if path == "/" or path == "/index.html":
                return self._static("index.html")
            if path.startswith("/static/"):
                return self._static(path[len("/static/"):])
            if path == "/api/config":
                return self._json(200, self.server.config())
            m = re.fullmatch(r"/api/sessions/([\w-]+)/(stream|export|info)", path)
            if m:
                session = self.server.sessions.get(m.group(1))
                if m.group(2) == "stream":
                    return self._stream(session)
                if m.group(2) == "info":
                    return self._json(200, session.info())
                name = f"pfsim-lesson-{session.scenario_name}-seed{session.seed}.yaml"
                return self._send(200, session.export().encode(), "application/x-yaml; charset=utf-8",
                                  {"Content-Disposition": f'attachment; filename="{name}"'})
            self._json(404, {"error": f"no such page: {path}"})
        except SessionError as err:
            self._error(err)

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        try:
            body = self._body()
            if path == "/api/sessions":
                shocks = body.get("shocks") or []
                if not isinstance(shocks, list) or not all(isinstance(s, dict) for s in shocks):
                    raise SessionError("shocks: expected a list of shock objects")
                session = self.server.sessions.create(body.get("scenario"), body.get("seed"), shocks)
                return self._json(201, session.info())
            m = re.fullmatch(r"/api/sessions/([\w-]+)/(control|shock|close)", path)
            if not m:
                return self._json(404, {"error": f"no such action: {path}"})
            if m.group(2) == "close":
                return self._json(200, {"closed": self.server.sessions.close(m.group(1))})
            session = self.server.sessions.get(m.group(1))
            if m.group(2) == "control":
                session.control(str(body.get("action")), body.get("days"), body.get("speed"))
                return self._json(200, session.state())
            shock = body.get("shock")
            if shock is None:
                shock = knob_shock(str(body.get("knob")), body.get("value"), body.get("extra"))
            if not isinstance(shock, dict):
                raise SessionError("shock: expected an object like a scenario event")
            return self._json(200, {"event": session.apply(shock), "state": session.state()})
        except SessionError as err:
            self._error(err)

    def _static(self, name: str) -> None:
        path = (STATIC / name).resolve()
        if STATIC not in path.parents or not path.is_file():
            return self._json(404, {"error": f"no such file: {name}"})
        ctype = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        self._send(200, path.read_bytes(), ctype)

    def _stream(self, session) -> None:
        """Server-sent events until the tab goes: every new day once, and the
        state after each change. The stream being open is what keeps the
        session alive; a keep-alive comment every 2 s finds a closed tab."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        with session.changed:
            session.listeners += 1
        cursor, seen = 0, -1
        try:
            while not session.closed and not self.server.stopping:
                with session.changed:
                    if session.version == seen:
                        session.changed.wait(2.0)
                    seen = session.version
                days = session.history[cursor:]
                out = []
                if days:
                    payload = json.dumps({"from": cursor, "days": days}, allow_nan=False)
                    out.append(f"event: days\ndata: {payload}\n\n")
                    cursor += len(days)
                out.append("event: state\ndata: " + json.dumps(session.state(), allow_nan=False) + "\n\n")
                self.wfile.write("".join(out).encode())
                self.wfile.flush()
            if session.closed:
                self.wfile.write(b"event: closed\ndata: {}\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            pass
        finally:
            with session.changed:
                session.listeners -= 1
                session.idle_since = time.monotonic()


class TeachingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sessions: SessionManager, scenarios: dict[str, Any],
                 default_scenario: str, verbose: bool = False):
        super().__init__(address, Handler)
        self.sessions = sessions
        self.scenarios = scenarios
        self.default_scenario = default_scenario
        self.verbose = verbose
        self.stopping = False

    def config(self) -> dict[str, Any]:
        from .sessions import CHARTS, KNOBS, SPEEDS

        return {"scenarios": sorted(self.scenarios), "default_scenario": self.default_scenario,
                "knobs": KNOBS, "charts": CHARTS, "speeds": SPEEDS,
                "max_sessions": self.sessions.max_sessions}

    def stop(self) -> None:
        self.stopping = True
        self.sessions.shutdown()
        threading.Thread(target=self.shutdown, daemon=True).start()
