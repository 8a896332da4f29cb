"""Issue 13 on the real server (`streamlit run app.py`, demo data) in Chromium: what uploads cost its memory.

The server's peak resident size is read from /proc/<pid>/status (VmHWM, reset through clear_refs just
before each attack), so every byte Streamlit buffers or a decoder allocates counts.
(a) From the sign-in page, the page's own session PUTs large files to /_stcore/upload_file: each is
    refused and the server's memory does not move.
(b) A merchandiser uploads, through the Audit page's uploader, the issue's 79-megapixel PNG (331 KB on the
    wire, 1.65 GB before) and then three photos at the decode budget at once: the peak stays well under
    500 MB over what the server held before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from audit import auth, capture, photos
from audit.db import Database
from tests.helpers.audits import complete_answers
from tests.helpers.browser import new_tablet_page, sign_in_to_stores
from tests.helpers.photos import under_budget

pytestmark = pytest.mark.browser

MB = 1024 * 1024
PHOTO_STEP = 4

PUT_FROM_THE_PAGE = """async ([sessionId, count, size]) => {
    // What Streamlit's uploader sends: multipart, one file, the XSRF token from its cookie.
    const token = (document.cookie.match(/(?:^|; )_streamlit_xsrf=([^;]*)/) || [])[1] || "";
    const put = async (i) => {
        const form = new FormData();
        form.append("file", new Blob([new Uint8Array(size)]), `big-${i}.jpg`);
        const response = await fetch(`/_stcore/upload_file/${sessionId}/attack-${i}`, {
            method: "PUT", body: form, headers: {"X-Xsrftoken": decodeURIComponent(token)}});
        return response.status;
    };
    return Promise.all([...Array(count).keys()].map(put));
}"""


def server_pid(url: str) -> int:
    """The `streamlit run` child of this test process serving `url`."""
    port = url.rsplit(":", 1)[1]
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"streamlit" in command and port.encode() in command:
                return int(pid)
    raise AssertionError(f"no streamlit server on port {port} among this process's children")


class Memory:
    """The server's resident memory in MB: `start()` resets the peak, `peak_over_start()` reads it."""

    def __init__(self, pid: int):
        self.pid = pid

    def _kb(self, field: str) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith(field)).split()[1])

    def start(self) -> None:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        self.baseline = self._kb("VmRSS") / 1024

    def peak_over_start(self) -> float:
        return self._kb("VmHWM") / 1024 - self.baseline

    def now_over_start(self) -> float:
        return self._kb("VmRSS") / 1024 - self.baseline


def watch_session_id(page) -> dict:
    """Streamlit tells the page its session id in the first message of its websocket; keep it."""
    seen: dict = {}

    def on_frame(payload):
        if isinstance(payload, bytes) and "id" not in seen:
            message = ForwardMsg.FromString(payload)
            if message.WhichOneof("type") == "new_session" and message.new_session.initialize.session_id:
                seen["id"] = message.new_session.initialize.session_id

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    return seen


def test_uploads_from_the_sign_in_page_are_refused_and_cost_the_server_nothing(app_url, browser):
    memory = Memory(server_pid(app_url))
    context, page = new_tablet_page(browser, "landscape")
    session = watch_session_id(page)
    page.goto(app_url)
    page.get_by_label("User name").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert session.get("id"), "the page's websocket never named its session"
    memory.start()
    statuses = page.evaluate(PUT_FROM_THE_PAGE, [session["id"], 8, 24 * MB])  # 192 MB, all at once
    page.wait_for_timeout(1000)
    print(f"server peak over its start: 8 x 24 MB PUT from the sign-in page {memory.peak_over_start():.0f} MB")
    assert statuses == [400] * 8  # refused before the body is read: no session of a signed-in user
    assert memory.peak_over_start() < 40, memory.peak_over_start()  # was +900 MB for 20 × 45 MB
    assert memory.now_over_start() < 40
    context.close()


@pytest.fixture
def photo_step_app(demo_dir, request):
    """merch01's first store with a draft on the photo step, made before the app opens the database."""
    db = Database(demo_dir / "audit.duckdb")
    user = auth.get_user(db, "merch01")
    store = capture.store_queue(db, user, "en").code.iloc[0]
    draft = capture.open_draft(db, user, store)
    draft.answers, draft.step = complete_answers(capture.checklist(db, user, store, "en")), PHOTO_STEP
    capture.save_draft(db, draft)
    db.close()
    return request.getfixturevalue("app_url"), store


def png(path: Path, mode: str, size: tuple[int, int], shade: int = 255) -> Path:
    Image.MAX_IMAGE_PIXELS = None  # building the file only
    try:
        Image.new(mode, size, (shade, shade, 255, 255)[: len(mode)]).save(path)
    finally:
        Image.MAX_IMAGE_PIXELS = photos.MAX_PIXELS
    return path


def test_a_merchandisers_huge_photos_stay_well_under_500_mb(photo_step_app, browser, tmp_path):
    url, store = photo_step_app
    bomb = png(tmp_path / "shelf-79mp.png", "RGB", (10240, 7715))  # the file
    assert bomb.stat().st_size < 400_000
    # three different photos (the same one is attached once), each costing the whole decode budget
    at_budget = [png(tmp_path / f"shelf-{i}.png", "RGBA", under_budget(4), shade=80 * i) for i in range(3)]
    memory = Memory(server_pid(url))
    context, page = new_tablet_page(browser, "landscape")
    sign_in_to_stores(page, url, "merch01")
    page.goto(f"{url}/capture?store={store}")
    page.locator('input[type="file"]').last.wait_for(state="attached", timeout=30_000)  # the gallery box
    page.wait_for_timeout(1000)

    memory.start()
    page.locator('input[type="file"]').last.set_input_files(str(bomb))
    page.get_by_text("“shelf-79mp.png” has too many pixels to process safely").wait_for(timeout=60_000)
    refused_peak = memory.peak_over_start()

    memory.start()
    page.locator('input[type="file"]').last.set_input_files([str(p) for p in at_budget])
    page.locator('[data-testid="stImage"]').nth(2).wait_for(timeout=180_000)  # all three stored
    stored_peak = memory.peak_over_start()
    print(
        f"server peak over its start: 79 MP PNG refused {refused_peak:.0f} MB, "
        f"three {under_budget(4)} RGBA PNGs at once {stored_peak:.0f} MB"
    )
    assert refused_peak < 50  # refused from the header: 1.65 GB before
    assert stored_peak < 300  # one decode at a time, within its budget: 3.9 GB for three before
    context.close()
