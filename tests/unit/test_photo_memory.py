"""Issue 13: one photo's processing stays well under 500 MB of memory, whatever the file claims.

Each case runs `process_photo` in a fresh Python and reads the kernel's peak resident size (VmHWM, reset just
before) against the resident size at the start: the decoders' C allocations are what count, and no Python
tool sees them. The accepted cases sit just under the limits (DECODE_BUDGET for its format and mode,
MAX_PIXELS for one-byte pixels), so they are the worst a photo can cost; the refused ones cost nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from audit import photos
from tests.helpers.paths import ROOT
from tests.helpers.photos import four_by_three, under_budget

PEAK_LIMIT_MB = 256  # one decode (at most DECODE_BUDGET, 200 MB) and the bands and small copies after it

PROBE = """
import io, json, sys
from PIL import Image
from audit import photos
Image.MAX_IMAGE_PIXELS = None  # building the test file only
mode, width, height, fmt, options = json.loads(sys.argv[1])
image = Image.new(mode, (width, height), "white" if len(mode) > 1 and mode != "I;16" else 200)
if mode == "P":
    image.info["transparency"] = 0
out = io.BytesIO()
image.save(out, fmt, **options)
data = out.getvalue()
del image, out
Image.MAX_IMAGE_PIXELS = photos.MAX_PIXELS

def kb(field):
    return int(next(line for line in open("/proc/self/status") if line.startswith(field)).split()[1])

open("/proc/self/clear_refs", "w").write("5")  # resets VmHWM to the resident size now
start = kb("VmRSS")
try:
    photos.process_photo(data, "probe")
    result = "stored"
except photos.PhotoError as error:
    result = error.key
print(json.dumps({"result": result, "peak_mb": (kb("VmHWM") - start) / 1024, "bytes": len(data)}))
"""


def probe(mode: str, size: tuple[int, int], fmt: str, **options) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([mode, *size, fmt, options])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


ACCEPTED = {  # the worst accepted photo of each kind: (mode, size, format, save options)
    "rgba-png-at-the-budget": ("RGBA", under_budget(4), "PNG", {}),
    "palette-png-with-transparency-at-80-mp": ("P", four_by_three(photos.MAX_PIXELS * 0.99), "PNG", {}),
    "16-bit-grey-png-at-80-mp": ("I;16", four_by_three(photos.MAX_PIXELS * 0.99), "PNG", {}),
    "heic-at-the-budget": ("RGB", under_budget(4 * 2), "HEIF", {}),
    "webp-at-the-budget": ("RGB", under_budget(4 * 4), "WEBP", {}),
    "79-mp-jpeg-decoded-at-a-quarter": ("RGB", four_by_three(79_000_000), "JPEG", {}),
    # every coefficient at full size (3 bands × 2 bytes) and the pixels drafted to half the side (4 / 4)
    "progressive-jpeg-at-the-budget": ("RGB", under_budget(3 * 2 + 4 / 4), "JPEG", {"progressive": True}),
}

REFUSED = {  # each would have cost more than the budget; refused from the header, nothing decoded
    "79-mp-png-of-a-few-hundred-kb": ("RGB", (10240, 7715), "PNG", {}),  # the file: 1.65 GB before
    "progressive-79-mp-jpeg": ("RGB", four_by_three(79_000_000), "JPEG", {"progressive": True}),
    "heic-over-the-budget": ("RGB", under_budget(4 * 2 * 0.8), "HEIF", {}),
    "webp-over-the-budget": ("RGB", under_budget(4 * 4 * 0.8), "WEBP", {}),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_the_costliest_accepted_photo_stays_well_under_500_mb(case):
    mode, size, fmt, options = ACCEPTED[case]
    measured = probe(mode, size, fmt, **options)
    assert measured["result"] == "stored"
    assert measured["peak_mb"] < PEAK_LIMIT_MB, measured


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_photo_over_the_decode_budget_is_refused_before_it_is_decoded(case):
    mode, size, fmt, options = REFUSED[case]
    measured = probe(mode, size, fmt, **options)
    assert measured["result"] == "photo.error.too_large"
    assert measured["peak_mb"] < 20, measured  # the header was read, no pixel was
