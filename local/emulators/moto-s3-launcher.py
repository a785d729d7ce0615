# local: launcher for moto's S3 server, started by local/emulators/moto-s3.ts. Listens on 127.0.0.1 only, exits
# when its stdin closes (the parent holds the other end, so even a parent killed with SIGKILL cannot leave it
# running), and with --recording replays a request recording on start and keeps recording, so that buckets,
# object versions (with the same VersionIds), lock configuration and retention survive a restart.
#
# Why not moto's own recorder (MOTO_ENABLE_RECORDING + /moto-api/recorder/replay-recording)? Measured with
# moto 5.2.1 — it records every request (reads, failures, health probes) before it is handled, and its replay
# re-runs them with fresh randomness and the current time: every VersionId changes, so any recorded request that
# names a version (retention, legal hold, delete of a version) fails on replay and its effect is lost, and
# default-retention dates and LastModified move to the replay time. This launcher keeps moto's file format (one
# JSON line per request: headers, method, url, body base64 with body_encoded) and adds what a faithful replay
# needs: only successful writes are recorded, each with the random values and clock readings moto's S3 and IAM
# models drew while handling it, which the replay hands back in the same order.
import argparse
import base64
import collections
import datetime
import importlib
import io
import json
import os
import signal
import sys
import threading
import time
import uuid
from urllib.parse import unquote, urlsplit

# moto's own recorder would record a second copy of every request (and its replay is the lossy one above).
os.environ.pop("MOTO_ENABLE_RECORDING", None)

# Modules whose sources of randomness and time shape stored state: S3 VersionIds, delete-marker ids, upload ids,
# LastModified and default retention dates; IAM access key ids and secrets.
REPLAYABLE_MODULES = ("moto.s3.models", "moto.iam.models", "moto.iam.utils")
# Methods that never change state; they are not recorded.
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def encode_value(value):
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return {"value": value}
    return {"opaque": repr(value)}


def decode_value(encoded):
    if "uuid" in encoded:
        return uuid.UUID(encoded["uuid"])
    if "bytes" in encoded:
        return base64.b64decode(encoded["bytes"])
    if "datetime" in encoded:
        return datetime.datetime.fromisoformat(encoded["datetime"])
    if "value" in encoded:
        return encoded["value"]
    raise ValueError(f"cannot replay an opaque value ({encoded['opaque']})")


class ReplayableSources:
    """Per request thread: records what moto draws (capture) or hands back what it drew before (replay)."""

    def __init__(self):
        self._local = threading.local()

    def begin_capture(self):
        self._local.mode = "capture"
        self._local.draws = []

    def begin_replay(self, draws):
        self._local.mode = "replay"
        self._local.draws = collections.deque(draws)
        self._local.mismatch = None

    def end(self):
        """Leaves capture or replay; returns (draws captured, mismatch description or None)."""
        mode = getattr(self._local, "mode", None)
        draws = getattr(self._local, "draws", [])
        mismatch = getattr(self._local, "mismatch", None)
        if mode == "replay" and mismatch is None and len(draws) > 0:
            mismatch = f"moto drew {len(draws)} value(s) fewer than recorded"
        self._local.mode = None
        self._local.draws = []
        self._local.mismatch = None
        return (list(draws) if mode == "capture" else []), mismatch

    def draw(self, name, produce):
        mode = getattr(self._local, "mode", None)
        if mode == "replay":
            if self._local.draws:
                recorded_name, recorded = self._local.draws.popleft()
                if recorded_name == name and "opaque" not in recorded:
                    return decode_value(recorded)
                if self._local.mismatch is None:
                    self._local.mismatch = f"recorded a draw of {recorded_name}, moto drew {name}"
            elif self._local.mismatch is None:
                self._local.mismatch = f"moto drew {name} more often than recorded"
            return produce()
        value = produce()
        if mode == "capture":
            self._local.draws.append([name, encode_value(value)])
        return value


class RandomProxy:
    """Stands in for moto's shared MotoRandom inside one module; every method call becomes a replayable draw."""

    def __init__(self, real, sources, module_name):
        self._real = real
        self._sources = sources
        self._module_name = module_name

    def __getattr__(self, name):
        attribute = getattr(self._real, name)
        if not callable(attribute):
            return attribute
        sources = self._sources
        draw_name = f"{self._module_name}.random.{name}"

        def replayable(*args, **kwargs):
            return sources.draw(draw_name, lambda: attribute(*args, **kwargs))

        return replayable


class OsProxy:
    """Stands in for the os module inside one module, so os.urandom (multipart upload ids) is replayable."""

    def __init__(self, sources, module_name):
        self._sources = sources
        self._draw_name = f"{module_name}.os.urandom"

    def urandom(self, size):
        return self._sources.draw(self._draw_name, lambda: os.urandom(size))

    def __getattr__(self, name):
        return getattr(os, name)


def install_replayable_sources(sources):
    """Patches the modules' globals; their functions look them up at call time. Fails loudly if moto moved them."""
    for module_name in REPLAYABLE_MODULES:
        module = importlib.import_module(module_name)
        short_name = module_name.replace("moto.", "")
        patched = []
        if hasattr(module, "random"):
            module.random = RandomProxy(module.random, sources, short_name)
            patched.append("random")
        if callable(getattr(module, "utcnow", None)):
            real_utcnow = module.utcnow
            draw_name = f"{short_name}.utcnow"
            module.utcnow = lambda real=real_utcnow, name=draw_name: sources.draw(name, real)
            patched.append("utcnow")
        if getattr(module, "os", None) is os:
            module.os = OsProxy(sources, short_name)
            patched.append("os")
        if module_name == "moto.s3.models" and patched[:2] != ["random", "utcnow"]:
            raise RuntimeError(
                "this moto version no longer draws S3 version ids and times through moto.s3.models.random and "
                "moto.s3.models.utcnow, so a recording could not be replayed faithfully; use moto 5.x "
                '(pip install "moto[server]>=5,<6") or run the backup bucket in memory'
            )


def request_headers(environ):
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append(("-".join(part.capitalize() for part in key[5:].split("_")), value))
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    if environ.get("CONTENT_LENGTH"):
        headers.append(("Content-Length", environ["CONTENT_LENGTH"]))
    return headers


def read_whole_body(environ):
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        # Chunked transfer: werkzeug already removes the chunk framing and ends the stream.
        return stream.read()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return stream.read(length) if length > 0 else b""


class RecordingApp:
    """WSGI wrapper: lets moto handle a write, then appends it to the recording if moto answered 2xx."""

    def __init__(self, app, recording_path, sources):
        self._app = app
        self._sources = sources
        self._lock = threading.Lock()
        self._file = open(recording_path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process lifetime
        self.recorded = 0

    def close(self):
        with self._lock:
            self._file.flush()
            self._file.close()

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if method in READ_METHODS or path.startswith("/moto-api"):
            return self._app(environ, start_response)

        body = read_whole_body(environ)
        # moto then sees a plain body of known length, as the replay will give it.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = False
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or path
        host = environ.get("HTTP_HOST", "127.0.0.1")
        entry = {
            "headers": dict(request_headers(environ)),
            "method": method,
            "url": f"http://{host}{raw_uri}",
            "body": base64.b64encode(body).decode("ascii"),
            "body_encoded": True,
        }
        status_holder = {}

        def capturing_start_response(status, response_headers, exc_info=None):
            status_holder["status"] = int(status.split(" ", 1)[0])
            return start_response(status, response_headers, exc_info)

        # Writes run one at a time, each recorded before the next starts: the recording's order is the order
        # moto applied them in, even for concurrent writes to one key. Reads still run in parallel.
        with self._lock:
            self._sources.begin_capture()
            try:
                result = self._app(environ, capturing_start_response)
            finally:
                draws, _ = self._sources.end()
            status = status_holder.get("status")
            if status is not None and 200 <= status < 300:
                entry["status"] = status
                entry["draws"] = draws
                entry["recordedAt"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
                # Written before the response leaves: a client never sees success for a write the file lacks.
                self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
                self._file.flush()
                self.recorded += 1
        return result


class GuardApp:
    """
    Outermost WSGI layer. moto's management API is refused: /moto-api/reset wipes every bucket (Object Lock or
    not), /moto-api/reset-auth turns IAM checks off again, the recorder and seed endpoints rewrite history — any
    local process could otherwise do what the backups must withstand without going through S3's API. In their
    place, two endpoints of our own under a path no bucket can have (bucket names have no underscore):
    GET /_ledgerlock/health, and POST /_ledgerlock/enforce-iam, which turns moto's IAM checks on and cannot turn
    them off.
    """

    def __init__(self, app, recording):
        self._app = app
        self._recording = recording
        self.iam_enforced = False

    def _answer(self, start_response, status, document):
        body = json.dumps(document).encode("utf-8")
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith("/moto-api"):
            return self._answer(
                start_response,
                "403 Forbidden",
                {"error": "moto's management API is refused by the Ledgerlock launcher (it could wipe locked data)"},
            )
        if path == "/_ledgerlock/health" and method == "GET":
            return self._answer(
                start_response,
                "200 OK",
                {"status": "ok", "iamEnforced": self.iam_enforced, "recording": self._recording},
            )
        if path == "/_ledgerlock/enforce-iam" and method == "POST":
            from moto import settings
            from moto.core.authorization import ActionAuthenticatorMixin

            settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
            ActionAuthenticatorMixin.request_count = 0
            self.iam_enforced = True
            return self._answer(start_response, "200 OK", {"iamEnforced": True})
        if path.startswith("/_ledgerlock/"):
            return self._answer(start_response, "404 Not Found", {"error": f"no {method} {path} here"})
        return self._app(environ, start_response)


def replay_recording(app, recording_path, sources):
    """Runs every recorded write through moto in this process, in order, with the values it drew back then."""
    report = {"requests": 0, "milliseconds": 0, "droppedPartialLine": False}
    if not os.path.exists(recording_path):
        return report
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    started = time.perf_counter()
    with open(recording_path, "rb") as recording:
        content = recording.read()
    # The file ends with a newline; anything after the last one is a line cut short by a crash mid-write. Its
    # response never left (lines are written first), so no client was told it succeeded: dropped, with a note.
    complete_length = content.rfind(b"\n") + 1
    if complete_length < len(content):
        report["droppedPartialLine"] = True
        with open(recording_path, "r+b") as recording:
            recording.truncate(complete_length)
    lines = content[:complete_length].decode("utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise RuntimeError(f"{recording_path} line {number} is not JSON ({error})") from error
        body = base64.b64decode(entry.get("body") or "") if entry.get("body_encoded") else (
            entry.get("body") or ""
        ).encode("utf-8")
        headers = dict(entry.get("headers") or {})
        host = headers.pop("Host", "127.0.0.1")
        content_type = headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
        headers.pop("Transfer-Encoding", None)
        url = urlsplit(entry["url"])
        raw_path, query = url.path or "/", url.query
        raw_uri = f"{raw_path}?{query}" if query else raw_path
        builder = EnvironBuilder(
            path=unquote(raw_path),
            base_url=f"http://{host}",
            query_string=query,
            method=entry["method"],
            headers=list(headers.items()),
            data=body,
            content_type=content_type,
        )
        environ = builder.get_environ()
        environ["REQUEST_URI"] = raw_uri
        environ["RAW_URI"] = raw_uri
        sources.begin_replay(entry.get("draws") or [])
        try:
            _, status, _ = run_wsgi_app(app, environ, buffered=True)
        finally:
            _, mismatch = sources.end()
        status_code = int(status.split(" ", 1)[0])
        expected = entry.get("status", 200)
        if status_code != expected or mismatch is not None:
            reason = f"answered {status_code} (recorded {expected})" if status_code != expected else mismatch
            raise RuntimeError(
                f"replaying {recording_path} line {number} ({entry['method']} {raw_uri}) diverged: {reason}"
            )
        report["requests"] += 1
    report["milliseconds"] = round((time.perf_counter() - started) * 1000)
    return report


def exit_when_stdin_closes(before_exit):
    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:  # noqa: BLE001 - any failure to read means the parent is gone
            pass
        before_exit()
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="0 lets the OS pick a free port")
    parser.add_argument("--recording", help="replay this recording on start and append to it (persistent mode)")
    args = parser.parse_args()

    sources = None
    if args.recording is not None:
        sources = ReplayableSources()
        install_replayable_sources(sources)

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    replay = None
    served = app
    recorder = None
    if args.recording is not None:
        try:
            replay = replay_recording(app, args.recording, sources)
        except Exception as error:  # noqa: BLE001 - reported to the parent as one line, then exit
            print(json.dumps({"error": f"replay failed: {error}"}), flush=True)
            sys.exit(3)
        recorder = RecordingApp(app, args.recording, sources)
        served = recorder

    served = GuardApp(served, recording=args.recording is not None)

    def before_exit():
        if recorder is not None:
            recorder.close()

    exit_when_stdin_closes(before_exit)

    def on_signal(signum, frame):
        before_exit()
        os._exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        server = make_server("127.0.0.1", args.port, served, threaded=True)
    except OSError as error:
        print(json.dumps({"error": f"cannot listen on 127.0.0.1:{args.port}: {error}"}), flush=True)
        sys.exit(2)
    import moto

    print(
        json.dumps({"ready": True, "port": server.port, "motoVersion": moto.__version__, "replay": replay}),
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
