"""The demo's pictures: synthetic shelves and store fronts as camera JPEGs with EXIF (date, model, GPS), a few
old or reused on purpose, drawn in parallel and stored through the photo pipeline."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from audit import photos as photo_store
from audit.demo.catalogue import TABLETS
from audit.demo.visits import DrawnVisits

Colour = tuple[int, int, int]
PRODUCT_COLOURS: list[Colour] = [
    (196, 30, 58),
    (0, 122, 94),
    (242, 169, 0),
    (30, 80, 160),
    (120, 60, 150),
    (230, 110, 40),
]
COMPETITOR_COLOURS = [(90, 90, 90), (20, 140, 200), (200, 200, 40), (150, 40, 40)]


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # Latin only; the strip shows code and English name


def draw_shelf(
    rng: np.random.Generator,
    caption: str,
    colours: list[Colour] = PRODUCT_COLOURS,
    promo: bool = False,
    size: tuple[int, int] = (800, 600),
) -> Image.Image:
    """Four shelves of coloured product blocks with price tags; gaps are stock-outs."""
    width, height = size
    image = Image.new("RGB", size, tuple(int(v) for v in rng.integers(205, 245, 3)))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, 40], fill=(40, 40, 48))
    draw.text((12, 10), caption, fill="white", font=_font(18))
    shelf_height = (height - 50) // 4
    for level in range(4):
        top = 50 + level * shelf_height
        x = 10
        while x < width - 40:
            block = int(rng.integers(28, 70))
            if rng.random() > 0.1:
                draw.rectangle(
                    [x, top + 12, x + block - 4, top + shelf_height - 22],
                    fill=colours[int(rng.integers(len(colours)))],
                    outline=(30, 30, 30),
                )
            x += block
        draw.rectangle([0, top + shelf_height - 18, width, top + shelf_height - 8], fill=(110, 90, 70))
        for tag_x in range(20, width - 40, int(rng.integers(90, 140))):
            draw.rectangle([tag_x, top + shelf_height - 30, tag_x + 30, top + shelf_height - 18], fill="white")
    if promo:
        draw.rectangle([width // 2 - 150, 60, width // 2 + 150, 120], fill=(220, 0, 0))
        draw.text((width // 2 - 120, 72), "SALE  -30%", fill="yellow", font=_font(36))
    return image


def draw_storefront(
    rng: np.random.Generator, sign: str, caption: str, size: tuple[int, int] = (800, 600)
) -> Image.Image:
    """A shop front between its neighbours: wall, a sign with the store's name, a door and windows. The
    street, the shop's height and width, the door and the windows differ from shop to shop, so two shops'
    pictures differ as real ones do (the reused-photo check compares them: capture.flag_photos)."""
    width, height = size
    sx, sy = width / 800, height / 600
    shade = lambda low, high: tuple(int(v) for v in rng.integers(low, high, 3))  # noqa: E731
    image = Image.new("RGB", size, tuple(int(v) for v in rng.integers((110, 150, 200), (200, 225, 250))))  # sky
    draw = ImageDraw.Draw(image)
    street = height - int(40 * sy)
    x = 0
    while x < width:  # the neighbouring buildings, each with a row of dark or lit windows
        wide, top = int(rng.integers(70, 260) * sx), int(rng.integers(10, 330) * sy)
        draw.rectangle([x, top, x + wide, street], fill=shade(30, 230))
        draw.rectangle([x + wide // 5, top + int(30 * sy), x + wide * 4 // 5, top + int(70 * sy)], fill=shade(20, 250))
        x += wide
    left = int(rng.integers(0, 200) * sx)
    right = min(width, left + int(rng.integers(580, 700) * sx))
    top = int(rng.integers(90, 230) * sy)
    draw.rectangle([left, top, right, street], fill=shade(150, 240))
    band = PRODUCT_COLOURS[int(rng.integers(len(PRODUCT_COLOURS)))]
    draw.rectangle([left, top, right, top + int(80 * sy)], fill=band)
    draw.text((left + int(20 * sx), top + int(22 * sy)), sign[:48], fill="white", font=_font(int(26 * sy)))
    door_left = int(rng.integers(int(left + 20 * sx), int(max(left + 21 * sx, right - 140 * sx))))  # bounds truncated
    draw.rectangle([door_left, top + int(170 * sy), door_left + int(110 * sx), street], fill=shade(40, 120))
    taken = [door_left]  # left edges of the door and the windows, kept apart
    for _ in range(int(rng.integers(1, 4))):
        window = int(rng.integers(left, int(max(left + 1, right - 170 * sx))))
        if any(abs(window - other) < 180 * sx for other in taken):
            continue
        taken.append(window)
        drop = int(rng.integers(110, 170) * sy)
        draw.rectangle(
            [window, top + drop, window + int(160 * sx), top + drop + int(140 * sy)],
            fill=shade(170, 250),
            outline=(60, 60, 60),
            width=4,
        )
    draw.rectangle([0, street, width, height], fill=(90, 90, 90))
    draw.text((12, street + 8), caption, fill="white", font=_font(int(18 * sy)))
    return image


def _gps_rational(value: float) -> tuple[int, int, float]:
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    return (degrees, minutes, round((minutes_float - minutes) * 60, 2))


def _camera_jpeg(image: Image.Image, taken_at: datetime, model: str, latitude: float, longitude: float) -> bytes:
    """The picture as a tablet would upload it: a JPEG with capture time, model and position in EXIF."""
    exif = Image.Exif()
    exif[0x0110] = model
    exif.get_ifd(0x8769)[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", _gps_rational(latitude)
    gps[3], gps[4] = "E", _gps_rational(longitude)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


@dataclass(frozen=True)
class PhotoOrder:
    """One photo to draw: everything it needs is fixed up front, so drawing can run in parallel."""

    audit_id: int
    section: str
    observation_id: int | None
    seed: int
    sign: str
    caption: str
    taken_at: datetime
    created_at: datetime
    model: str
    latitude: float
    longitude: float


def _photo_orders(
    rng: np.random.Generator, drawn: DrawnVisits, observations: pd.DataFrame, stores: pd.DataFrame, count: int
) -> list[PhotoOrder]:
    """For the most recent `count` visits: a store-front photo, often a shelf, and a competitor photo
    for most visits that recorded competitor activity."""
    recent = drawn.audits.tail(count)
    store_by_code = stores.set_index("code")
    first_observation = observations.drop_duplicates("audit_id").set_index("audit_id").id
    merch_numbers = {u: i for i, u in enumerate(sorted(stores.merchandiser.unique()))}
    orders = []
    for audit in recent.itertuples(index=False):
        store = store_by_code.loc[audit.store_code]
        observation = first_observation.get(audit.id)
        sections: list[tuple[str, int | None]] = [("store", None)]
        if rng.random() < 0.5:
            sections.append(("shelf", None))
        if observation is not None and rng.random() < 0.7:
            sections.append(("competitor", int(observation)))
        for minute, (section, observation_id) in enumerate(sections):
            taken_at = audit.started_at.to_pydatetime() + timedelta(minutes=2 + 4 * minute)
            orders.append(
                PhotoOrder(
                    audit_id=int(audit.id),
                    section=section,
                    observation_id=observation_id,
                    seed=int(rng.integers(2**63)),
                    sign=f"{audit.store_code}  {store.name_en}",
                    caption=f"{audit.store_code}  {audit.visit_date:%Y-%m-%d}  {section}",
                    taken_at=taken_at,
                    created_at=audit.submitted_at.to_pydatetime(),
                    model=TABLETS[merch_numbers[audit.merchandiser] % len(TABLETS)],
                    latitude=float(store.latitude + rng.normal(0, 0.0003)),
                    longitude=float(store.longitude + rng.normal(0, 0.0003)),
                )
            )
    return _with_flagged_photos(orders, recent)


FLAGGED_EVERY = 40  # about one visit in 40 gets an old photo, and another one a reused photo
OLD_PHOTO_DAYS = 23  # the old photo's age at the visit: weeks, far past capture.OLD_PHOTO_AGE


def _with_flagged_photos(orders: list[PhotoOrder], recent: pd.DataFrame) -> list[PhotoOrder]:
    """A few photos that the capture flow's flags catch (capture.flag_photos computes them), so the feature
    shows in the demo: a store front taken weeks before the visit (old), and the very photo of an earlier
    visit to another store attached again (reused: the same picture, so the same content hash)."""
    visits = list(recent.itertuples(index=False))
    if len(visits) < 2:
        return orders
    count = max(1, len(visits) // FLAGGED_EVERY)
    old = {visits[int((j + 0.25) * len(visits) / count)].id for j in range(count)}
    reused = {visits[int((j + 0.75) * len(visits) / count)].id for j in range(count)}
    store_of = {int(v.id): v.store_code for v in visits}
    changed = []
    for order in orders:
        if order.audit_id in old and order.section == "store":
            taken_at = order.taken_at - timedelta(days=OLD_PHOTO_DAYS)
            order = replace(order, taken_at=taken_at, caption=f"{order.caption.split()[0]}  {taken_at:%Y-%m-%d}  store")
            old.discard(order.audit_id)
        changed.append(order)
    for visit in visits:
        if visit.id not in reused:
            continue
        earlier = [
            o for o in changed[: len(orders)] if o.audit_id < visit.id and store_of[o.audit_id] != visit.store_code
        ]
        source = next((o for o in reversed(earlier) if o.section == "shelf"), earlier[-1] if earlier else None)
        if source is not None:
            changed.append(
                replace(
                    source, audit_id=int(visit.id), observation_id=None, created_at=visit.submitted_at.to_pydatetime()
                )
            )
    return changed


def _draw_and_store(order: PhotoOrder) -> photo_store.ProcessedPhoto:
    rng = np.random.default_rng(order.seed)
    if order.section == "store":
        image = draw_storefront(rng, order.sign, order.caption)
    elif order.section == "competitor":
        image = draw_shelf(rng, order.caption, colours=COMPETITOR_COLOURS, promo=True)
    else:
        image = draw_shelf(rng, order.caption)
    processed = photo_store.process_photo(
        _camera_jpeg(image, order.taken_at, order.model, order.latitude, order.longitude)
    )
    photo_store.save_files(processed)  # files first: the rows commit later
    return processed


def _photos(orders: list[PhotoOrder], report: Callable[[int], None]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw, process and store the photos (in parallel: Pillow releases the GIL); rows in order."""
    photo_rows, links = [], []
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for done, (order, processed) in enumerate(zip(orders, pool.map(_draw_and_store, orders), strict=True), start=1):
            photo_rows.append((*photo_store.photo_row(processed), order.created_at))
            links.append((order.audit_id, processed.sha256, order.section, order.observation_id))
            report(done)
    photo_frame = pd.DataFrame(photo_rows, columns=[*photo_store.PHOTO_COLUMNS, "created_at"])
    photo_frame["phash"] = photo_frame.phash.astype(np.int64)
    link_frame = pd.DataFrame(links, columns=["audit_id", "photo_sha256", "section", "observation_id"])
    link_frame["observation_id"] = link_frame.observation_id.astype("Int64")
    return photo_frame.drop_duplicates("sha256"), link_frame
