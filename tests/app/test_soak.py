"""A soak: a few hundred small requests, good and bad mixed, eight in flight, against the app on
127.0.0.1. The app keeps serving, every bad one gets its message, every good one its whole image
(identical results of concurrent requests once truncated each other's downloads: see
``webapp.results``), and the server's memory stays flat."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from stylesynth.data.scenes import SKY

from .conftest import REQUEST_TIMEOUT, noise_image
from .test_api import editor, gallery, label_map, truncated

REQUESTS = 200
#: requests before the first measurement
WARM_UP = 40
#: requests in flight at once (the queue runs them one at a time on a CPU)
IN_FLIGHT = 8
#: growth of the resident memory allowed over the soak, after a warm-up round
RSS_SLACK_MB = 60


def rss_mb() -> float:
    """The resident memory of this process (which serves the app), in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads the resident memory from /proc")
def test_a_soak_of_mixed_requests_keeps_the_app_serving_with_flat_memory(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (32, 32))
    style = noise_image(tmp_path / "style.png", (32, 32), 1)
    scene = label_map(tmp_path / "scene.png", (32, 32), SKY)
    broken = truncated(tmp_path / "broken.jpg")
    (tmp_path / "notes.png").write_text("not a picture")
    cases = [  # (endpoint, arguments, the message a bad one must get, or None for an image)
        ("/stylize", (editor(content), gallery(style), 1, 1, 1, 1, 1.0, False, 32, "adain-tiny"), None),
        ("/stylize", (editor(broken), gallery(style), 1, 1, 1, 1, 1.0, False, 32, "adain-tiny"), "could not be decoded"),
        ("/synthesize", (editor(scene), None, 3, "spade-tiny"), None),
        ("/stylize", (editor(content), gallery(tmp_path / "notes.png"), 1, 1, 1, 1, 1.0, False, 32, "adain-tiny"), "not a readable image file"),
        ("/synthesize", (editor(style), None, 3, "spade-tiny"), "class colours"),
    ]

    def soak(count: int) -> None:
        schedule = list(itertools.islice(itertools.cycle(cases), count))
        for start in range(0, count, IN_FLIGHT):
            batch = schedule[start : start + IN_FLIGHT]
            jobs = [client.submit(*arguments, api_name=endpoint) for endpoint, arguments, _ in batch]
            for job, (endpoint, _, message) in zip(jobs, batch):
                if message is None:
                    assert Path(job.result(timeout=REQUEST_TIMEOUT)).is_file(), endpoint
                else:
                    with pytest.raises(AppError, match=message):
                        job.result(timeout=REQUEST_TIMEOUT)

    soak(WARM_UP)  # models loaded, caches filled, the server's worker threads started
    before = rss_mb()
    soak(REQUESTS)
    after = rss_mb()
    print(f"soak of {REQUESTS} requests: RSS {before:.0f} MB before, {after:.0f} MB after")
    assert after - before < RSS_SLACK_MB, f"RSS grew from {before:.0f} MB to {after:.0f} MB over {REQUESTS} requests"
