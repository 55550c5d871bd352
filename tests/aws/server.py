"""moto's server on a loopback port: the AWS stand-in (S3, SQS, SNS, Cognito) for the test suite."""

import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any credentials
    "AWS_DEFAULT_REGION": "us-east-2",
}


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        # moto's request recorder (off until start_recording) writes here, not into the checkout.
        self.recording_path = os.path.join(tempfile.gettempdir(), f"moto-recording-{self.port}.jsonl")

    def start(
        self, timeout: float = 30.0, *, program: list[str] | None = None, env: dict | None = None
    ) -> "MotoServer":
        """Start moto's server and wait until it answers. ``program``: the Python arguments that run it
        instead of ``-m moto.server`` (the benchmarks' patched server); ``env``: extra variables."""
        env = {**os.environ, **FAKE_CREDENTIALS, "MOTO_RECORDER_FILEPATH": self.recording_path, **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, *(program or ["-m", "moto.server"]), "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1):  # noqa: S310 - loopback
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("moto server did not start in time")

    def _api(self, path: str, method: str = "POST") -> str:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/{path}", method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.read().decode()

    def start_recording(self) -> None:
        """Record every request moto receives from now on (from any process), forgetting earlier ones."""
        self._api("recorder/reset-recording")
        self._api("recorder/start-recording")

    def stop_recording(self) -> list[tuple[str, dict]]:
        """Stop recording; the SQS calls recorded, as (action, request body) in arrival order."""
        self._api("recorder/stop-recording")
        calls = []
        for line in self._api("recorder/download-recording", method="GET").splitlines():
            entry = json.loads(line)
            target = entry.get("headers", {}).get("X-Amz-Target", "")
            if not target.startswith("AmazonSQS."):
                continue
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode()
            calls.append((target.removeprefix("AmazonSQS."), json.loads(body) if body else {}))
        return calls

    def reset(self) -> None:
        """Forget every resource (buckets, queues...) between tests."""
        self._api("reset")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.recording_path)
