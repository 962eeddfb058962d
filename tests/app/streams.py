"""A stream client over Gradio's HTTP queue protocol (``gradio_client`` does not send streamed inputs):
join a ``.stream()`` event with a first frame, read its outputs from the queue's event stream, send
further frames, or abandon it (send nothing more, never close it), as a browser tab that hangs would."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx


class StreamClient:
    """One session of the app at ``url`` streaming into the event named ``api_name``."""

    def __init__(self, url: str, api_name: str) -> None:
        self.base = url.rstrip("/") + "/gradio_api"
        self.http = httpx.Client(timeout=30)
        config = self.http.get(url.rstrip("/") + "/config").json()
        dependency = next(dep for dep in config["dependencies"] if dep.get("api_name") == api_name)
        self.fn_index = dependency["id"]
        self.trigger_id = dependency["targets"][0][0]
        self.session_hash = uuid.uuid4().hex[:11]
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.event_id: str | None = None
        self._reader: threading.Thread | None = None

    def upload(self, path: Path) -> dict[str, Any]:
        """Uploads ``path``; the file's value as an input of the event."""
        with path.open("rb") as handle:
            response = self.http.post(self.base + "/upload", files={"files": (path.name, handle)})
        response.raise_for_status()
        return {"path": response.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}

    def _body(self, data: list[Any]) -> dict[str, Any]:
        return {"data": data, "event_data": None, "fn_index": self.fn_index, "trigger_id": self.trigger_id, "session_hash": self.session_hash}

    def join(self, data: list[Any]) -> None:
        """Starts the stream with the inputs ``data`` and reads its messages in a thread."""
        response = self.http.post(self.base + "/queue/join", json=self._body(data))
        response.raise_for_status()
        self.event_id = response.json()["event_id"]
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with httpx.Client(timeout=None) as reader, reader.stream("GET", self.base + "/queue/data", params={"session_hash": self.session_hash}) as lines:
            for line in lines.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    self.messages.put(message)
                    if message.get("msg") == "process_completed":
                        return

    def send(self, data: list[Any]) -> None:
        """The next frame of the stream."""
        self.http.post(f"{self.base}/stream/{self.event_id}", json=self._body(data)).raise_for_status()

    def next_output(self, timeout: float) -> list[Any]:
        """The outputs of the next processed frame; an AssertionError if none comes within ``timeout`` seconds
        or the stream ends with an error."""
        while True:
            try:
                message = self.messages.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no output within {timeout} s") from None
            if message.get("msg") in ("process_streaming", "process_generating"):
                return message["output"]["data"]
            if message.get("msg") == "process_completed":
                output = message.get("output") or {}
                if not message.get("success", True):
                    raise AssertionError(f"the stream ended with an error: {output.get('error')}")
                return output.get("data", [])

    def close(self) -> None:
        """Closes the stream as the browser does when the user stops it."""
        if self.event_id is not None:
            self.http.post(f"{self.base}/stream/{self.event_id}/close")
        self.http.close()
