"""Deterministic demo data: master data, weeks of audits that tell a story, synthetic shelf photos.

Everything is drawn from numpy Generators derived from `seed` (one independent stream per stage, so
adding photos does not change the audits), with every date and timestamp counted from `today`: the same
arguments give the same rows. Audits and their lines are built as whole arrays and bulk-inserted from
DataFrames in chunks, in audit-id order; nothing is inserted row by row, so 5,000 stores × 104 weeks
(about 15 million SKU lines) loads in minutes with bounded memory.

The story the charts tell: stores differ (a Beta-distributed store quality plus merchandiser and dealer
effects), East improves and North declines over the period, and compliance dips where a competitor runs
a campaign, which also shows as bursts of competitor observations.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from audit import auth, capture, demo_actions, i18n, plans, scoring
from audit import photos as photo_store
from audit.db import Database
from audit.errors import UserFacingError
from audit.settings import ScoringSettings

Progress = Callable[[float, str], None]
LINE_CHUNK_AUDITS = 40_000  # ≈ 1 million lines per chunk: bounded memory, few round trips
STREAMS = ("master", "stores", "audits", "lines", "competitors", "photos", "plans")  # append only

# ---------------------------------------------------------------- master data tables

# region code, English, Chinese, cities (English, Chinese, latitude, longitude)
REGIONS = [
    (
        "E",
        "East",
        "华东",
        [("Shanghai", "上海", 31.23, 121.47), ("Hangzhou", "杭州", 30.27, 120.15), ("Nanjing", "南京", 32.06, 118.80)],
    ),
    (
        "S",
        "South",
        "华南",
        [("Guangzhou", "广州", 23.13, 113.26), ("Shenzhen", "深圳", 22.54, 114.06), ("Xiamen", "厦门", 24.48, 118.09)],
    ),
    ("N", "North", "华北", [("Beijing", "北京", 39.90, 116.40), ("Shijiazhuang", "石家庄", 38.04, 114.51)]),
    ("SW", "Southwest", "西南", [("Chengdu", "成都", 30.57, 104.07), ("Chongqing", "重庆", 29.56, 106.55)]),
    ("C", "Central", "华中", [("Wuhan", "武汉", 30.59, 114.31), ("Changsha", "长沙", 28.23, 112.94)]),
]
REGION_WEIGHTS = [0.3, 0.22, 0.2, 0.15, 0.13]
# Change of compliance over the whole period, whatever its length: East improves, North declines.
REGION_DRIFT = {"E": 0.3, "S": 0.04, "N": -0.3, "SW": 0.0, "C": 0.1}
CAMPAIGN_DIP = 0.06  # compliance lost while a competitor campaigns in the region

CHANNELS = ["traditional", "modern", "special"]
CHANNEL_WEIGHTS = [0.55, 0.30, 0.15]
SUB_CHANNELS = {  # sub-channel: share within its channel
    "traditional": {"wholesale_market": 0.12, "small_supermarket": 0.30, "grocery": 0.43, "personal_care_shop": 0.15},
    "modern": {"hypermarket": 0.15, "key_account": 0.15, "supermarket_chain": 0.35, "convenience_chain": 0.35},
    "special": {"restaurant": 0.40, "hotel": 0.20, "factory": 0.20, "station": 0.20},
}
GRADES = ["A", "B", "C"]
# Modern trade buys more, so more of it is grade A; overall A ≈ 15 %, B ≈ 35 %, C ≈ 50 %.
GRADE_WEIGHTS_BY_CHANNEL = {
    "traditional": [0.12, 0.33, 0.55],
    "modern": [0.22, 0.40, 0.38],
    "special": [0.12, 0.33, 0.55],
}
OWNERSHIP_BY_CHANNEL = {
    "traditional": (["private", "franchise", "chain"], [0.8, 0.12, 0.08]),
    "modern": (["chain", "state_owned", "franchise"], [0.7, 0.15, 0.15]),
    "special": (["private", "state_owned", "chain"], [0.5, 0.35, 0.15]),
}
STORE_CATEGORY_BY_CHANNEL = {
    "traditional": (["agent", "wholesale_t1", "wholesale_t2", "key_retailer", "other"], [0.03, 0.12, 0.3, 0.35, 0.2]),
    "modern": (["key_retailer", "other"], [0.8, 0.2]),
    "special": (["other", "key_retailer"], [0.8, 0.2]),
}
# How a store of each sub-channel is named: (Chinese pattern, English pattern) around a trade name.
STORE_NAME_PATTERNS = {
    "wholesale_market": ("{zh}批发部", "{en} Wholesale"),
    "small_supermarket": ("{zh}超市", "{en} Supermarket"),
    "grocery": ("{zh}便利店", "{en} Grocery"),
    "personal_care_shop": ("{zh}日化店", "{en} Personal Care"),
    "hypermarket": ("{zh}大卖场", "{en} Hypermarket"),
    "key_account": ("{zh}购物中心", "{en} Shopping Centre"),
    "supermarket_chain": ("{zh}连锁超市", "{en} Supermarket Chain"),
    "convenience_chain": ("{zh}便利连锁", "{en} Convenience"),
    "restaurant": ("{zh}酒家", "{en} Restaurant"),
    "hotel": ("{zh}大酒店", "{en} Hotel"),
    "factory": ("{zh}工厂小卖部", "{en} Factory Shop"),
    "station": ("{zh}车站商店", "{en} Station Shop"),
}
TRADE_NAMES = [
    ("联华", "Lianhua"),
    ("华联", "Hualian"),
    ("好又多", "Haoyouduo"),
    ("美佳", "Meijia"),
    ("永安", "Yong'an"),
    ("百佳", "Baijia"),
    ("金泰", "Jintai"),
    ("新一佳", "Xinyijia"),
    ("喜多多", "Xiduoduo"),
    ("万家福", "Wanjiafu"),
    ("惠民", "Huimin"),
    ("丰源", "Fengyuan"),
    ("福满", "Fuman"),
    ("鑫隆", "Xinlong"),
    ("乐购", "Legou"),
    ("恒信", "Hengxin"),
]
STREETS = [
    ("人民路", "Renmin Rd"),
    ("解放路", "Jiefang Rd"),
    ("中山路", "Zhongshan Rd"),
    ("建设路", "Jianshe Rd"),
    ("和平街", "Heping St"),
    ("长江路", "Changjiang Rd"),
    ("文化路", "Wenhua Rd"),
    ("新华街", "Xinhua St"),
]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"]
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰"]
CONTACT_ROLES = ["店长", "老板", "采购经理", "店员"]
CREDIT_NOTES = [None, None, "现款现货", "月结30天", "月结60天", "押一批结一批"]

DEALERS = [  # code, English, Chinese, regions served (the first is its home region)
    ("D01", "Huamei Trading", "华美商贸有限公司", ["E"]),
    ("D02", "Jiangnan Distribution", "江南分销有限公司", ["E"]),
    ("D03", "Lingnan Supply", "岭南供应链有限公司", ["S"]),
    ("D04", "Pearl River Trading", "珠江商贸有限公司", ["S", "C"]),
    ("D05", "Jingjin Distribution", "京津分销有限公司", ["N"]),
    ("D06", "Yanzhao Trading", "燕赵商贸有限公司", ["N"]),
    ("D07", "Bashu Trading", "巴蜀商贸有限公司", ["SW"]),
    ("D08", "Chuchu Supply", "楚楚供应链有限公司", ["C", "SW"]),
]
MERCHANDISER_NAMES = ["王伟", "李娜", "张敏", "刘洋", "陈杰", "杨静", "赵磊", "黄艳", "周强", "吴芳", "徐勇", "孙军"]
# The accounts' names in pinyin, as English pages show them (issue 13: no Chinese names on English screens).
ENGLISH_NAMES = {
    "王伟": "Wang Wei",
    "李娜": "Li Na",
    "张敏": "Zhang Min",
    "刘洋": "Liu Yang",
    "陈杰": "Chen Jie",
    "杨静": "Yang Jing",
    "赵磊": "Zhao Lei",
    "黄艳": "Huang Yan",
    "周强": "Zhou Qiang",
    "吴芳": "Wu Fang",
    "徐勇": "Xu Yong",
    "孙军": "Sun Jun",
    "陈静": "Chen Jing",
    "郑丽": "Zheng Li",
}
TABLETS = ["iPad (9th generation)", "HUAWEI MatePad 11", "Xiaomi Pad 6"]

# category code, English, Chinese, our brand (en, zh), price range, products (en, zh)
CATEGORIES = [
    (
        "beverages",
        "Beverages",
        "饮料",
        ("Qingquan", "清泉"),
        (2.5, 8.0),
        [
            ("Green Tea 500ml", "绿茶 500ml"),
            ("Jasmine Tea 500ml", "茉莉花茶 500ml"),
            ("Lemon Tea 500ml", "柠檬茶 500ml"),
            ("Mineral Water 550ml", "矿泉水 550ml"),
            ("Orange Juice 450ml", "橙汁 450ml"),
            ("Cola 330ml", "可乐 330ml"),
            ("Herbal Tea 310ml", "凉茶 310ml"),
            ("Soy Milk 250ml", "豆奶 250ml"),
            ("Coffee 280ml", "咖啡 280ml"),
            ("Sports Drink 600ml", "运动饮料 600ml"),
        ],
    ),
    (
        "snacks",
        "Snacks",
        "零食",
        ("Cuile", "脆乐"),
        (3.5, 15.0),
        [
            ("Potato Chips Original", "原味薯片"),
            ("Potato Chips Spicy", "香辣薯片"),
            ("Rice Crackers", "米饼"),
            ("Seaweed Snack", "海苔"),
            ("Peanuts", "花生"),
            ("Sunflower Seeds", "瓜子"),
            ("Beef Jerky", "牛肉干"),
            ("Chocolate Wafer", "巧克力威化"),
            ("Egg Rolls", "蛋卷"),
            ("Shrimp Chips", "虾条"),
        ],
    ),
    (
        "personal_care",
        "Personal care",
        "个人护理",
        ("Jingrou", "净柔"),
        (9.9, 49.0),
        [
            ("Shampoo 400ml", "洗发水 400ml"),
            ("Conditioner 400ml", "护发素 400ml"),
            ("Body Wash 500ml", "沐浴露 500ml"),
            ("Toothpaste 120g", "牙膏 120g"),
            ("Toothbrush Soft", "软毛牙刷"),
            ("Hand Soap 300ml", "洗手液 300ml"),
            ("Facial Cleanser", "洗面奶"),
            ("Lotion 200ml", "润肤露 200ml"),
            ("Tissue 10 packs", "纸巾 10包"),
            ("Wet Wipes", "湿巾"),
        ],
    ),
    (
        "household",
        "Household",
        "家居清洁",
        ("Jiejia", "洁家"),
        (6.9, 39.0),
        [
            ("Dish Liquid 1.1kg", "洗洁精 1.1kg"),
            ("Laundry Liquid 2kg", "洗衣液 2kg"),
            ("Laundry Powder 1.5kg", "洗衣粉 1.5kg"),
            ("Floor Cleaner", "地板清洁剂"),
            ("Toilet Cleaner", "洁厕灵"),
            ("Glass Cleaner", "玻璃清洁剂"),
            ("Bleach", "漂白水"),
            ("Fabric Softener", "柔顺剂"),
            ("Sponge Pack", "海绵擦"),
            ("Trash Bags", "垃圾袋"),
        ],
    ),
]
CATEGORY_ZH = {code: zh for code, _, zh, *_ in CATEGORIES}
OUR_BRANDS_ZH = [brand_zh for *_, (_, brand_zh), _, _ in CATEGORIES]
# Must-stock SKUs per channel (of 40), and how strongly each category is picked for it: restaurants,
# hotels and stations stock drinks and snacks rather than detergent.
MUST_STOCK_COUNT = {"traditional": 24, "modern": 28, "special": 20}
MUST_STOCK_CATEGORY_WEIGHT = {"traditional": [1, 1, 1, 1], "modern": [1, 1, 1, 1], "special": [6, 4, 1, 1]}
FACINGS_BASE = {"traditional": 1.0, "modern": 2.0, "special": 0.5}

COMPETITORS = [
    ("C01", "Guanyi", "冠益"),
    ("C02", "Sunfresh", "阳光鲜"),
    ("C03", "Bluepeak", "蓝峰"),
    ("C04", "Jiahe", "嘉禾"),
    ("C05", "Orchid", "兰韵"),
]
COMPETITOR_KINDS = ["promotion", "new_product", "themed_display", "display_change", "price_change", "staff_change"]
KIND_WEIGHTS_CAMPAIGN = [0.4, 0.1, 0.15, 0.1, 0.2, 0.05]
KIND_WEIGHTS_QUIET = [0.12, 0.15, 0.08, 0.3, 0.15, 0.2]
OBSERVED_IN_CAMPAIGN, OBSERVED_QUIET = 0.45, 0.04  # chance a visit records the brand

POP_TYPES = [  # code, English, Chinese, channels that require it
    ("poster", "Poster", "海报", ["traditional", "modern"]),
    ("hanging_flag", "Hanging flag", "吊旗", ["traditional", "modern"]),
    ("shelf_talker", "Shelf talker", "货架插卡", ["traditional", "modern", "special"]),
    ("display_cabinet", "Display cabinet", "展示柜", ["modern", "special"]),
    ("floor_stack", "Floor stack / end cap", "堆头", ["modern"]),
    ("banner", "Banner", "横幅", ["traditional"]),
]
VISIT_NOTES = [
    "店长要求下周补货",
    "货架已重新整理",
    "冰柜坏了，已报修",
    "新品试销反应好",
    "竞品在门口做促销",
    "老板出差，店员接待",
    "端午节堆头已布置",
    "价格牌已更换",
]


class DemoError(UserFacingError):
    """Demo data cannot be generated here."""


@dataclass(frozen=True)
class DemoSummary:
    stores: int
    audits: int
    lines: int
    photos: int
    users: int

    def __str__(self) -> str:
        return (
            f"Demo data: {self.stores:,} stores, {self.audits:,} audits, {self.lines:,} SKU lines, "
            f"{self.photos:,} photos, {self.users:,} users"
        )


def _insert(cur, table: str, frame: pd.DataFrame) -> None:
    """Bulk insert: DuckDB scans the DataFrame directly (table names are constants of this module)."""
    cur.register("demo_frame", frame)
    try:
        cur.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM demo_frame")
    finally:
        cur.unregister("demo_frame")


def _quota(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """n category indices in exactly the given proportions (largest remainder), in random order:
    a small demo still shows the intended shares."""
    exact = np.asarray(weights, dtype=float) * n
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(counts - exact, kind="stable")[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


def _pick(rng: np.random.Generator, options: list, weights=None):
    """One element of a list (rng.choice would turn tuples into arrays and strings into numpy strings)."""
    return options[int(rng.choice(len(options), p=weights))]


# ---------------------------------------------------------------- master data


def _regions() -> pd.DataFrame:
    return pd.DataFrame([(code, en, zh) for code, en, zh, _ in REGIONS], columns=["code", "name_en", "name_zh"])


def _phone(rng: np.random.Generator) -> str:
    return f"1{int(rng.integers(30, 90))}{int(rng.integers(10**7, 10**8))}"


def _person(rng: np.random.Generator) -> str:
    return _pick(rng, SURNAMES) + "".join(_pick(rng, GIVEN_NAMES) for _ in range(int(rng.integers(1, 3))))


def _dealers(rng: np.random.Generator, stamp: datetime) -> pd.DataFrame:
    rows = [
        (code, en, zh, regions[0], _person(rng), _phone(rng), f"{code.lower()}@example.com", stamp)
        for code, en, zh, regions in DEALERS
    ]
    return pd.DataFrame(
        rows, columns=["code", "name_en", "name_zh", "region_code", "contact", "phone", "email", "updated_at"]
    )


# One merchandiser per city, numbered in region order: a merchandiser's day stays within one city, as a
# real territory does.
TERRITORIES = [(code, city_zh) for code, _, _, cities in REGIONS for _, city_zh, _, _ in cities]


def _merchandisers() -> list[tuple[str, str, str]]:
    """(username, Chinese display name, region) for the twelve merchandisers, one per territory."""
    return [(f"merch{n + 1:02d}", MERCHANDISER_NAMES[n], region) for n, (region, _) in enumerate(TERRITORIES)]


def _merchandiser_by_city() -> dict[str, str]:
    """City (Chinese) -> the merchandiser who works it."""
    return {city: username for (_, city), (username, _, _) in zip(TERRITORIES, _merchandisers(), strict=True)}


def _password_hashes(count: int) -> list[Future]:
    """One argon2 hash of the demo password per account, each with its own salt and the app's real
    parameters (a shared hash would tell anyone who reads the database that the accounts share a password,
    and would stay shared by any account not yet given its own). Argon2 is slow on purpose, so the hashes
    are made in the background, two at a time, while the audits are generated."""
    pool = ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1))
    hashes = [pool.submit(auth.hash_password, "demo") for _ in range(count)]
    pool.shutdown(wait=False)  # the queued hashes still run; the threads end after the last one
    return hashes


def _users(merchandisers, stamp: datetime) -> pd.DataFrame:
    """The demo accounts, without their password hashes (_password_hashes)."""
    rows: list[tuple[str, str, str, str, str | None]] = [  # username, names, role, dealer
        ("admin", "陈静", ENGLISH_NAMES["陈静"], "admin", None),
        ("manager", "郑丽", ENGLISH_NAMES["郑丽"], "manager", None),
    ]
    rows += [(username, name, ENGLISH_NAMES[name], "merchandiser", None) for username, name, _ in merchandisers]
    rows += [(f"dealer{code[1:]}", f"{zh} ({en})", en, "dealer", code) for code, en, zh, _ in DEALERS]
    frame = pd.DataFrame(rows, columns=["username", "display_name", "display_name_en", "role", "dealer_code"])
    return frame.assign(is_demo=True, created_at=stamp, updated_at=stamp)


@dataclass(frozen=True)
class Catalog:
    """The SKUs as arrays, for vectorised line generation."""

    codes: np.ndarray
    rrp: np.ndarray
    category: np.ndarray
    stock_out_risk: np.ndarray  # some SKUs sell out more often than others
    must: dict[str, np.ndarray]  # channel -> SKU indices that are must-stock there
    other: dict[str, np.ndarray]  # channel -> the remaining SKU indices


def _products(rng: np.random.Generator, stamp: datetime) -> tuple[pd.DataFrame, Catalog]:
    rows, categories = [], []
    for c, (category, _, _, (brand_en, brand_zh), (low, high), variants) in enumerate(CATEGORIES):
        for v, (variant_en, variant_zh) in enumerate(variants):
            price = np.floor(rng.uniform(low, high)) + 0.9  # shelf prices end in .9
            rows.append(
                (
                    f"P{c + 1}{v + 1:02d}",
                    f"{brand_en} {variant_en}",
                    f"{brand_zh}{variant_zh}",
                    brand_en,
                    category,
                    round(float(price), 2),
                )
            )
            categories.append(c)
    n, category_index = len(rows), np.array(categories)
    must = {}
    for channel in CHANNELS:
        weight = np.array(MUST_STOCK_CATEGORY_WEIGHT[channel], dtype=float)[category_index]
        must[channel] = np.sort(rng.choice(n, size=MUST_STOCK_COUNT[channel], replace=False, p=weight / weight.sum()))
    frame = pd.DataFrame(rows, columns=["code", "name_en", "name_zh", "brand", "category", "rrp"])
    frame["must_stock_channels"] = [[ch for ch in CHANNELS if i in must[ch]] for i in range(n)]
    frame["updated_at"] = stamp
    catalog = Catalog(
        codes=frame.code.to_numpy(),
        rrp=frame.rrp.to_numpy(dtype=float),
        category=frame.category.to_numpy(),
        stock_out_risk=rng.uniform(0, 0.08, size=n),
        must=must,
        other={ch: np.setdiff1d(np.arange(n), idx) for ch, idx in must.items()},
    )
    return frame, catalog


def _store_row(
    rng: np.random.Generator,
    number: int,
    region_index: int,
    channel: str,
    grade: str,
    merchandiser_by_city,
    dealers_by_region,
) -> tuple:
    region_code, _, _, cities = REGIONS[region_index]
    city_en, city_zh, lat, lon = _pick(rng, cities)
    subs = SUB_CHANNELS[channel]
    sub = _pick(rng, list(subs), list(subs.values()))
    trade_zh, trade_en = _pick(rng, TRADE_NAMES)
    street_zh, street_en = _pick(rng, STREETS)
    pattern_zh, pattern_en = STORE_NAME_PATTERNS[sub]
    ownerships, ownership_weights = OWNERSHIP_BY_CHANNEL[channel]
    categories, category_weights = STORE_CATEGORY_BY_CHANNEL[channel]
    competitor_brands = [COMPETITORS[i][2] for i in sorted(rng.choice(len(COMPETITORS), size=2, replace=False))]
    return (
        f"S{number:05d}",
        f"{pattern_zh.format(zh=trade_zh)}（{street_zh}店）",
        f"{pattern_en.format(en=trade_en)} ({street_en})",
        f"{city_zh}市{street_zh}{int(rng.integers(1, 800))}号",
        _phone(rng),
        _person(rng),
        _pick(rng, CONTACT_ROLES),
        _pick(rng, ownerships, ownership_weights),
        _pick(rng, categories, category_weights),
        channel,
        sub,
        grade,
        region_code,
        city_zh,
        city_en,
        round(lat + rng.normal(0, 0.06), 5),
        round(lon + rng.normal(0, 0.06), 5),
        _pick(rng, dealers_by_region[region_code]),
        merchandiser_by_city[city_zh],
        "、".join(OUR_BRANDS_ZH[: int(rng.integers(2, 5))] + competitor_brands),
        _pick(rng, CREDIT_NOTES),
    )


STORE_COLUMNS = [
    "code",
    "name",
    "name_en",
    "address",
    "phone",
    "contact_name",
    "contact_role",
    "ownership",
    "category",
    "channel",
    "sub_channel",
    "grade",
    "region_code",
    "city",
    "city_en",
    "latitude",
    "longitude",
    "dealer_code",
    "merchandiser",
    "brands_carried",
    "credit_notes",
]


def _stores(rng: np.random.Generator, n: int, stamp: datetime) -> pd.DataFrame:
    region_index = _quota(rng, n, REGION_WEIGHTS)
    channel = _quota(rng, n, CHANNEL_WEIGHTS)
    grade = np.empty(n, dtype=np.int64)
    for c, name in enumerate(CHANNELS):
        in_channel = np.flatnonzero(channel == c)
        grade[in_channel] = _quota(rng, len(in_channel), GRADE_WEIGHTS_BY_CHANNEL[name])
    merchandiser_by_city = _merchandiser_by_city()
    dealers_by_region = {code: [d for d, _, _, served in DEALERS if code in served] for code, *_ in REGIONS}
    rows = [
        _store_row(
            rng,
            i + 1,
            int(region_index[i]),
            CHANNELS[channel[i]],
            GRADES[grade[i]],
            merchandiser_by_city,
            dealers_by_region,
        )
        for i in range(n)
    ]
    return pd.DataFrame(rows, columns=STORE_COLUMNS).assign(updated_at=stamp)


def _named(rows, columns: list[str], stamp: datetime) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).assign(updated_at=stamp)


def _store_quality(rng: np.random.Generator, stores: pd.DataFrame, merchandisers) -> np.ndarray:
    """How well each store is kept (0–1): its own level, its merchandiser's and its dealer's effect."""
    merch_effect = dict(zip([m[0] for m in merchandisers], rng.normal(0, 0.06, len(merchandisers)), strict=True))
    dealer_effect = dict(zip([d[0] for d in DEALERS], rng.normal(0, 0.04, len(DEALERS)), strict=True))
    return (
        rng.beta(5, 2, size=len(stores))
        + stores.merchandiser.map(merch_effect).to_numpy()
        + stores.dealer_code.map(dealer_effect).to_numpy()
    )


# ---------------------------------------------------------------- competitor campaigns


@dataclass(frozen=True)
class Campaign:
    competitor: int
    region: str
    first_week: int
    last_week: int


def _campaigns(rng: np.random.Generator, weeks: int) -> list[Campaign]:
    """Each competitor runs 2–4 campaigns of 2–5 weeks, each in one or two regions."""
    region_codes = [code for code, *_ in REGIONS]
    campaigns = []
    for c in range(len(COMPETITORS)):
        for _ in range(int(rng.integers(2, 5))):
            length = int(rng.integers(2, 6))
            start = int(rng.integers(0, max(1, weeks - length + 1)))
            for r in sorted(rng.choice(len(region_codes), size=int(rng.integers(1, 3)), replace=False)):
                campaigns.append(Campaign(c, region_codes[r], start, start + length - 1))
    return campaigns


def _campaign_active(
    campaigns: list[Campaign], region: np.ndarray, week: np.ndarray, competitor: int | None = None
) -> np.ndarray:
    """Per visit: does a campaign (of `competitor`, or of anyone) run in its region that week?"""
    active = np.zeros(len(region), dtype=bool)
    for campaign in campaigns:
        if competitor is None or campaign.competitor == competitor:
            active |= (region == campaign.region) & (week >= campaign.first_week) & (week <= campaign.last_week)
    return active


# ---------------------------------------------------------------- visits


def _visits_per_store_week(
    rng: np.random.Generator, grade: np.ndarray, week: np.ndarray, phase: np.ndarray
) -> np.ndarray:
    """A: 2–3 a week, B: 1–2 a week, C: 2–3 a month (every other week, with some extra and some missed)."""
    u = rng.random(len(grade))
    a = np.where(u < 0.06, 1, np.where(u < 0.56, 2, 3))  # the odd week with one visit is a missed one
    b = np.where(u < 0.06, 0, np.where(u < 0.62, 1, 2))
    on_week = (week + phase) % 2 == 0
    c = (u < np.where(on_week, 0.95, 0.18)).astype(np.int64)
    return np.select([grade == "A", grade == "B"], [a, b], c)


def _working_days(rng: np.random.Generator, visits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For k visits in a store-week: k distinct weekdays (Mon–Fri). Returns (store-week row, weekday)."""
    day_order = np.argsort(rng.random((len(visits), 5)), axis=1)
    rows = np.repeat(np.arange(len(visits)), visits)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(visits) - visits, visits)
    return rows, day_order[rows, slot]


def _schedule(rng: np.random.Generator, merchandiser: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start minute (after midnight) and duration of each visit.

    A merchandiser's visits of a day follow one another between 08:30 and 18:00 with 10 minutes of travel
    between them; visits last 15–60 minutes, shorter on a crowded day. `merchandiser` is an integer code.
    """
    group_key = merchandiser.astype(np.int64) * 100_000 + day
    order = np.lexsort((rng.random(len(day)), group_key))  # random order of the day's visits
    key = group_key[order]
    new_group = np.r_[True, key[1:] != key[:-1]]
    group_start = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    rank = np.arange(len(order)) - group_start[group]
    slot = 570 / np.diff(np.r_[group_start, len(order)])[group]  # minutes of the working day per visit
    duration = np.maximum(np.minimum(rng.integers(15, 61, size=len(order)), np.floor(slot) - 10), 15)
    spare = np.clip(slot - duration - 10, 0, None)
    start, length = np.empty(len(day), dtype=np.int64), np.empty(len(day), dtype=np.int64)
    start[order] = np.floor(8.5 * 60 + rank * slot + rng.random(len(order)) * spare)
    length[order] = duration
    return start, length


def _visit_outcomes(rng: np.random.Generator, grade: np.ndarray, quality: np.ndarray):
    """Per visit: was an order placed (likelier in well-kept stores), its amount (bigger in A stores), a note."""
    m = len(grade)
    ordered = rng.random(m) < 0.35 + 0.4 * quality
    order_size = np.select([grade == "A", grade == "B"], [3.0, 1.6], 1.0)
    amount = np.where(ordered, np.round(rng.lognormal(6.0, 0.6, size=m) * order_size, 2), np.nan)
    noted = rng.random(m) < 0.08
    notes = np.where(noted, np.array(VISIT_NOTES, dtype=object)[rng.integers(len(VISIT_NOTES), size=m)], NO_TEXT)
    return ordered, amount, notes


@dataclass
class VisitPlan:
    audits: pd.DataFrame
    channel: np.ndarray  # per audit
    region: np.ndarray
    week: np.ndarray
    quality: np.ndarray  # compliance level of the store at that visit, 0.15–0.98


def _plan_visits(
    rng: np.random.Generator,
    stores: pd.DataFrame,
    weeks: int,
    today: date,
    store_quality: np.ndarray,
    campaigns: list[Campaign],
) -> VisitPlan:
    n = len(stores)
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    store_of_week, week_of_week = np.repeat(np.arange(n), weeks), np.tile(np.arange(weeks), n)
    phase = rng.integers(0, 2, size=n)[store_of_week]
    visits = _visits_per_store_week(rng, stores.grade.to_numpy()[store_of_week], week_of_week, phase)
    rows, weekday = _working_days(rng, visits)
    store, week = store_of_week[rows], week_of_week[rows]
    day = week * 7 + weekday  # days since first_monday
    keep = day <= (today - first_monday).days
    store, week, day = store[keep], week[keep], day[keep]

    merch_code = pd.factorize(stores.merchandiser, sort=True)[0]
    start, duration = _schedule(rng, merch_code[store], day)
    order = np.lexsort((store, start, day))  # ids follow time: the newest visits have the highest ids
    store, week, day, start, duration = store[order], week[order], day[order], start[order], duration[order]

    region = stores.region_code.to_numpy()[store]
    trend = pd.Series(region).map(REGION_DRIFT).to_numpy() * (week / max(weeks - 1, 1) - 0.5)
    dip = np.where(_campaign_active(campaigns, region, week), CAMPAIGN_DIP, 0.0)
    quality = np.clip(store_quality[store] + trend - dip, 0.15, 0.98)

    ordered, amount, notes = _visit_outcomes(rng, stores.grade.to_numpy()[store], quality)
    visit_day = pd.Timestamp(first_monday) + pd.to_timedelta(day, unit="D")
    started_at = visit_day + pd.to_timedelta(start, unit="m")
    ids = np.arange(1, len(store) + 1)
    audits = pd.DataFrame(
        {
            "id": ids,
            "submission_key": [f"demo-{i}" for i in ids],
            "store_code": stores.code.to_numpy()[store],
            "merchandiser": stores.merchandiser.to_numpy()[store],
            "visit_date": visit_day.date,
            "started_at": started_at,
            "submitted_at": started_at + pd.to_timedelta(duration, unit="m"),
            "order_placed": ordered,
            "order_amount": amount,
            "notes": notes,
            "source": "demo",
        }
    )
    return VisitPlan(audits, stores.channel.to_numpy()[store], region, week, quality)


# ---------------------------------------------------------------- visit plans

COMPLETION_RANGE = (0.70, 0.95)  # share of planned visits each merchandiser does, drawn per merchandiser
UNPLANNED_RANGE = (0.03, 0.12)  # share of each merchandiser's visits made off the plan


def _visit_plans(
    rng: np.random.Generator, audits: pd.DataFrame, stores: pd.DataFrame, merchandisers, today: date, stamp: datetime
) -> pd.DataFrame:
    """The plans the demo visits were made against, so completion and success tell a story.

    Most audits fulfil a planned visit (same store, merchandiser and day); a few per merchandiser were
    made off the plan. Each merchandiser also missed some planned visits: an extra planned visit of the
    same store in the same week, on a weekday nobody visited it. The rest of this week and next week are
    planned by the real generator (audit.plans.plan_week), as a manager would."""
    names = [m[0] for m in merchandisers]
    completion = dict(zip(names, rng.uniform(*COMPLETION_RANGE, len(names)), strict=True))
    unplanned = dict(zip(names, rng.uniform(*UNPLANNED_RANGE, len(names)), strict=True))
    merch = audits.merchandiser.to_numpy()
    visit_day = pd.to_datetime(audits.visit_date).to_numpy()
    on_plan = rng.random(len(audits)) >= pd.Series(merch).map(unplanned).to_numpy()
    done = pd.DataFrame(
        {
            "store_code": audits.store_code.to_numpy()[on_plan],
            "merchandiser": merch[on_plan],
            "planned_date": visit_day[on_plan],
        }
    ).drop_duplicates(["store_code", "planned_date"])

    miss_rate = done.merchandiser.map({m: (1 - c) / c for m, c in completion.items()}).to_numpy()
    source = done[rng.random(len(done)) < miss_rate]
    weekday = source.planned_date.dt.day_of_week.to_numpy()
    shift = (weekday + rng.integers(1, 5, size=len(source))) % 5 - weekday  # another weekday of that week
    missed = source.assign(planned_date=source.planned_date + pd.to_timedelta(shift, unit="D"))
    visited = pd.DataFrame({"store_code": audits.store_code, "planned_date": visit_day})
    missed = (
        missed[missed.planned_date <= pd.Timestamp(today)]
        .merge(visited, how="left", on=["store_code", "planned_date"], indicator=True)
        .query("_merge == 'left_only'")
        .drop(columns="_merge")
        .drop_duplicates(["store_code", "planned_date"])
    )
    history = pd.concat([done, missed], ignore_index=True)
    history["planned_date"] = history.planned_date.dt.date

    # The days still ahead: the rest of this week and the next, from the grade frequencies, each day within a
    # working day of visits (each merchandiser's own median length) and travel, as the generator plans them.
    monday = plans.week_start(today)
    assigned = list(
        stores[["code", "grade", "merchandiser", "latitude", "longitude"]].itertuples(index=False, name=None)
    )
    took = (audits.submitted_at - audits.started_at).dt.total_seconds() / 60
    minutes = {m: plans.visit_minutes(len(d), d.median()) for m, d in took.groupby(audits.merchandiser)}
    this_week = history[history.planned_date >= monday]
    ahead = plans.plan_week(
        assigned,
        monday,
        "high",
        [d for d in plans.week_days(monday) if d > today],
        this_week[["store_code", "merchandiser", "planned_date"]].itertuples(index=False, name=None),
        minutes_per_visit=minutes,
    ).visits
    ahead += plans.plan_week(
        assigned,
        monday + timedelta(weeks=1),
        "high",
        plans.week_days(monday + timedelta(weeks=1)),
        minutes_per_visit=minutes,
    ).visits
    future = pd.DataFrame(ahead, columns=["store_code", "merchandiser", "planned_date"])

    frame = pd.concat([history.assign(source="demo"), future.assign(source="generated")], ignore_index=True)
    frame = frame.sort_values(["planned_date", "merchandiser", "store_code"], kind="stable", ignore_index=True)
    made = (
        pd.to_datetime(frame.planned_date)
        - pd.to_timedelta(pd.to_datetime(frame.planned_date).dt.day_of_week + 3, unit="D")
        + pd.Timedelta(hours=17)
    )
    created = np.maximum(made.to_numpy(), np.datetime64(stamp))  # the Friday before, once the data existed
    return frame.assign(id=np.arange(1, len(frame) + 1), created_by="manager", created_at=created, updated_at=created)[
        ["id", "store_code", "merchandiser", "planned_date", "source", "created_by", "created_at", "updated_at"]
    ]


# ---------------------------------------------------------------- audit answers


def _line_skus(rng: np.random.Generator, channels: np.ndarray, catalog: Catalog):
    """(audit row, SKU index, must-stock flag), sorted by audit: every must-stock SKU of the channel,
    and for some visits one or two other SKUs."""
    row_parts: list[np.ndarray] = []
    sku_parts: list[np.ndarray] = []
    must_parts: list[np.ndarray] = []
    for channel in CHANNELS:
        in_channel = np.flatnonzero(channels == channel)
        required, others = catalog.must[channel], catalog.other[channel]
        row_parts.append(np.repeat(in_channel, len(required)))
        sku_parts.append(np.tile(required, len(in_channel)))
        must_parts.append(np.ones(len(in_channel) * len(required), dtype=bool))
        extras = rng.choice(3, size=len(in_channel), p=[0.8, 0.13, 0.07])
        extra_rows = np.repeat(in_channel, extras)
        # two distinct extra SKUs: the second is offset from the first by 1..len-1
        first = rng.integers(len(others), size=len(in_channel))
        offset = np.where(
            np.arange(len(extra_rows)) - np.repeat(np.cumsum(extras) - extras, extras) == 0,
            0,
            1 + rng.integers(max(len(others) - 1, 1), size=len(extra_rows)),
        )
        row_parts.append(extra_rows)
        sku_parts.append(others[(np.repeat(first, extras) + offset) % len(others)])
        must_parts.append(np.zeros(len(extra_rows), dtype=bool))
    rows, skus, must = np.concatenate(row_parts), np.concatenate(sku_parts), np.concatenate(must_parts)
    order = np.lexsort((skus, rows))
    return rows[order], skus[order], must[order]


def _when(mask: np.ndarray, values, dtype: str = "boolean") -> pd.Series:
    """values where the question applies, NULL elsewhere."""
    return pd.Series(values, dtype=dtype).where(mask)


def _shelf_levels(u: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Eye level (2) is likelier in well-kept stores; the rest split top 30 %, waist 45 %, floor 25 %."""
    eye = 0.15 + 0.45 * quality
    rest = 1 - eye
    top, waist = 0.30 * rest, 0.45 * rest
    return np.where(u < eye, 2, np.where(u < eye + top, 1, np.where(u < eye + top + waist, 3, 4)))


def _lines(rng: np.random.Generator, audit_ids, channels, quality, catalog: Catalog) -> pd.DataFrame:
    rows, sku, must = _line_skus(rng, channels, catalog)
    n, q = len(sku), quality[rows]
    u = rng.random((11, n))
    in_stock = u[0] < np.clip(0.62 + 0.37 * q - catalog.stock_out_risk[sku], 0.3, 0.995)
    base = pd.Series(channels[rows]).map(FACINGS_BASE).to_numpy()
    facings = np.where(in_stock, np.minimum(1 + rng.poisson(base + 3 * q), 12), 0)
    tag_present = u[2] < 0.7 + 0.28 * q
    # Mostly the RRP; sometimes 5–20 % below (an unauthorised discount), rarely a little above.
    price_factor = np.where(
        u[3] < 0.12 * (1 - q) + 0.02, rng.uniform(0.8, 0.95, n), np.where(u[3] > 0.95, rng.uniform(1.02, 1.08, n), 1.0)
    )
    return pd.DataFrame(
        {
            "audit_id": audit_ids[rows],
            "product_code": catalog.codes[sku],
            "must_stock": must,
            "in_stock": in_stock,
            "facings": facings.astype(np.int16),
            "shelf_level": _when(in_stock, _shelf_levels(u[1], q), "Int8"),
            "restocked": _when(~in_stock, u[4] < 0.1 + 0.4 * q),
            "fifo_ok": _when(in_stock, u[5] < 0.75 + 0.23 * q),
            "near_expiry": _when(in_stock, u[6] < 0.01 + 0.08 * (1 - q)),
            "damaged": _when(in_stock, u[7] < 0.005 + 0.04 * (1 - q)),
            "tag_present": tag_present,
            "tag_placed_ok": _when(tag_present, u[8] < 0.8 + 0.19 * q),
            "tag_matches": _when(tag_present, u[9] < 0.85 + 0.14 * q),
            "tag_legible": _when(tag_present, u[10] < 0.9),
            "shelf_price": _when(in_stock & tag_present, np.round(catalog.rrp[sku] * price_factor, 1), "Float64"),
        }
    )


def _pop_checks(rng: np.random.Generator, audit_ids, channels, quality) -> pd.DataFrame:
    frames = []
    for code, _, _, required in POP_TYPES:
        rows = np.flatnonzero(np.isin(channels, required))
        q, u = quality[rows], rng.random((2, len(rows)))
        present = u[0] < 0.4 + 0.55 * q
        condition = np.where(u[1] < 0.45 + 0.45 * q, "good", np.where(u[1] < 0.97 - 0.1 * (1 - q), "worn", "damaged"))
        frames.append(
            pd.DataFrame(
                {
                    "audit_id": audit_ids[rows],
                    "pop_type_code": code,
                    "present": present,
                    "condition": pd.Series(condition, dtype=object).where(present, None),
                }
            )
        )
    return pd.concat(frames).sort_values(["audit_id", "pop_type_code"], kind="stable")


def _observations(
    rng: np.random.Generator, plan: VisitPlan, campaigns: list[Campaign], catalog: Catalog
) -> pd.DataFrame:
    """Competitor activity: frequent and mostly promotions or price changes while a campaign runs."""
    audit_ids, frames = plan.audits.id.to_numpy(), []
    for c, (code, name_en, name_zh) in enumerate(COMPETITORS):
        active = _campaign_active(campaigns, plan.region, plan.week, competitor=c)
        rows = np.flatnonzero(rng.random(len(audit_ids)) < np.where(active, OBSERVED_IN_CAMPAIGN, OBSERVED_QUIET))
        k, campaign = len(rows), active[rows]
        kind = np.where(
            campaign,
            rng.choice(COMPETITOR_KINDS, size=k, p=KIND_WEIGHTS_CAMPAIGN),
            rng.choice(COMPETITOR_KINDS, size=k, p=KIND_WEIGHTS_QUIET),
        )
        sku = rng.integers(len(catalog.codes), size=k)
        normal = np.round(catalog.rrp[sku] * rng.uniform(0.88, 1.08, k), 1)
        discounted = np.isin(kind, ["promotion", "price_change"])
        promo = np.where(discounted, np.round(normal * rng.uniform(0.78, 0.92, k), 1), np.nan)
        flash = np.where(discounted & (rng.random(k) < 0.25), np.round(normal * rng.uniform(0.55, 0.72, k), 1), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "audit_id": audit_ids[rows],
                    "competitor_code": code,
                    "competitor_other": None,
                    "kind": kind,
                    "product": [f"{name_zh}{CATEGORY_ZH[category]}" for category in catalog.category[sku]],
                    "product_code": catalog.codes[sku],
                    "normal_price": normal,
                    "promo_price": promo,
                    "flash_price": flash,
                    "facings": (rng.poisson(np.where(campaign, 6, 3)) + 1).astype(np.int16),
                    "note": np.where(campaign, f"{name_zh}活动 / {name_en} campaign", NO_TEXT),
                }
            )
        )
    frame = pd.concat(frames).sort_values(["audit_id", "competitor_code"], kind="stable")
    return frame.assign(id=np.arange(1, len(frame) + 1))[["id", *frame.columns]]


# ---------------------------------------------------------------- photos

PRODUCT_COLOURS = [(196, 30, 58), (0, 122, 94), (242, 169, 0), (30, 80, 160), (120, 60, 150), (230, 110, 40)]
COMPETITOR_COLOURS = [(90, 90, 90), (20, 140, 200), (200, 200, 40), (150, 40, 40)]


NO_TEXT = np.array(None, dtype=object)  # np.where's NULL for a text column


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # Latin only; the strip shows code and English name


def draw_shelf(
    rng: np.random.Generator,
    caption: str,
    colours=PRODUCT_COLOURS,
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


def _gps_rational(value: float) -> tuple:
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
    rng: np.random.Generator, plan: VisitPlan, observations: pd.DataFrame, stores: pd.DataFrame, count: int
) -> list[PhotoOrder]:
    """For the most recent `count` visits: a store-front photo, often a shelf, and a competitor photo
    for most visits that recorded competitor activity."""
    recent = plan.audits.tail(count)
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
    photo_frame["phash"] = photo_frame.phash.astype(np.uint64)
    link_frame = pd.DataFrame(links, columns=["audit_id", "photo_sha256", "section", "observation_id"])
    link_frame["observation_id"] = link_frame.observation_id.astype("Int64")
    return photo_frame.drop_duplicates("sha256"), link_frame


# ---------------------------------------------------------------- progress


class _Reporter:
    """Maps stage progress onto one 0–1 bar, weighted by the expected cost of each stage."""

    LINE_COST, PHOTO_COST = 2.0, 18_000.0  # rough microseconds: one SKU line vs one drawn photo

    def __init__(self, progress: Progress | None, lang: str):
        self._progress = progress or (lambda fraction, message: None)
        self._lang = lang
        self._line_share = 0.8

    def plan(self, lines: float, photos: int) -> None:
        line_cost, photo_cost = lines * self.LINE_COST, photos * self.PHOTO_COST
        self._line_share = 0.85 * line_cost / max(line_cost + photo_cost, 1.0)

    def say(self, fraction: float, key: str, **values) -> None:
        formatted = {k: f"{v:,}" if isinstance(v, int) else v for k, v in values.items()}
        self._progress(min(max(fraction, 0.0), 1.0), i18n.t(key, self._lang, **formatted))

    def lines(self, done: int, total: int) -> None:
        self.say(0.1 + self._line_share * done / max(total, 1), "demo.progress.lines", done=done, total=total)

    def competitors(self) -> None:
        self.say(0.1 + self._line_share + 0.01, "demo.progress.competitors")

    def photos(self, done: int, total: int) -> None:
        if done % max(total // 50, 1) and done != total:  # about 50 updates, not one per photo
            return
        start = 0.1 + self._line_share + 0.02
        self.say(start + (0.99 - start) * done / max(total, 1), "demo.progress.photos", done=done, total=total)


# ---------------------------------------------------------------- entry point

DEMO_TABLES = (
    "regions",
    "dealers",
    "users",
    "products",
    "competitors",
    "pop_types",
    "stores",
    "audits",
    "planned_visits",
    "audit_lines",
    "audit_pop",
    "competitor_observations",
    "photos",
    "audit_photos",
    "audit_sku_metrics",
    "audit_metrics",
    "audit_totals",
    "actions",
    "action_events",
)
DEMO_META_KEYS = ("demo_seed", "demo_today", "demo_generated_at")


def _refuse_unless_empty(db: Database) -> None:
    """Demo codes and accounts would collide with real ones: only an empty database takes demo data."""
    if any(db.query_one(f"SELECT count(*) FROM {table}")[0] for table in DEMO_TABLES):
        raise DemoError("demo.error.not_empty")


def _remove_demo_data(db: Database) -> None:
    """Undo a load that failed half-way: the tables were empty before, so they are emptied again.
    Photo files already written are left to the orphan sweep."""
    with db.write() as cur:
        for table in DEMO_TABLES:
            cur.execute(f"DELETE FROM {table}")
        cur.execute("DELETE FROM app_meta WHERE key IN (SELECT unnest(?))", [list(DEMO_META_KEYS)])


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per stage: changing the photo count leaves the audits as they were."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}


def generate_demo(
    db: Database,
    stores: int = 200,
    weeks: int = 26,
    seed: int = 42,
    today: date | None = None,
    photos: int = 400,
    progress: Progress | None = None,
    lang: str = "en",
) -> DemoSummary:
    """Fill an empty database with demo data; `photos` recent visits get drawn photos.

    `progress(fraction, message)` is called as it goes, messages in `lang`.
    """
    _refuse_unless_empty(db)
    report = _Reporter(progress, lang)
    today = today or date.today()
    rng = _streams(seed)
    stamp = datetime.combine(today - timedelta(weeks=weeks), time(9))  # when the master data was "set up"

    report.say(0.01, "demo.progress.master_data", stores=stores)
    merchandisers = _merchandisers()
    users = _users(merchandisers, stamp)
    password_hashes = _password_hashes(len(users))
    dealers = _dealers(rng["master"], stamp)
    products, catalog = _products(rng["master"], stamp)
    campaigns = _campaigns(rng["master"], weeks)
    store_frame = _stores(rng["stores"], stores, stamp)
    plan = _plan_visits(
        rng["audits"], store_frame, weeks, today, _store_quality(rng["stores"], store_frame, merchandisers), campaigns
    )
    visit_plans = _visit_plans(rng["plans"], plan.audits, store_frame, merchandisers, today, stamp)
    audit_count = len(plan.audits)
    report.say(0.05, "demo.progress.audits", audits=audit_count)
    mean_lines = float(np.mean([MUST_STOCK_COUNT[c] for c in CHANNELS])) + 0.27
    report.plan(audit_count * mean_lines, min(photos, audit_count) * 2)

    # Several transactions, not one: DuckDB holds a transaction's new rows in memory until it commits,
    # so one transaction for 15 million lines would need gigabytes. A failure removes what was loaded.
    line_count = 0
    try:
        with db.write() as cur:
            for table, frame in (
                ("regions", _regions()),
                ("dealers", dealers),
                ("products", products),
                ("competitors", _named(COMPETITORS, ["code", "name_en", "name_zh"], stamp)),
                ("pop_types", _named(POP_TYPES, ["code", "name_en", "name_zh", "required_channels"], stamp)),
                ("stores", store_frame),
                ("audits", plan.audits),
                ("planned_visits", visit_plans),
            ):
                _insert(cur, table, frame)
        audit_ids = plan.audits.id.to_numpy()
        for start in range(0, audit_count, LINE_CHUNK_AUDITS):
            part = slice(start, start + LINE_CHUNK_AUDITS)
            lines = _lines(rng["lines"], audit_ids[part], plan.channel[part], plan.quality[part], catalog)
            with db.write() as cur:
                _insert(cur, "audit_lines", lines)
                _insert(
                    cur, "audit_pop", _pop_checks(rng["lines"], audit_ids[part], plan.channel[part], plan.quality[part])
                )
            line_count += len(lines)
            report.lines(min(start + LINE_CHUNK_AUDITS, audit_count), audit_count)
            del lines  # one chunk in memory at a time

        report.competitors()
        observations = _observations(rng["competitors"], plan, campaigns, catalog)
        orders = _photo_orders(rng["photos"], plan, observations, store_frame, min(photos, audit_count))
        photo_frame, links = _photos(orders, lambda done: report.photos(done, len(orders)))  # files first
        users = users.assign(password_hash=[h.result() for h in password_hashes])  # before taking the write lock
        with db.write() as cur:  # the accounts come last: nobody signs in to half-loaded data
            _insert(cur, "competitor_observations", observations)
            scoring.record_missing(cur, ScoringSettings().price_tolerance)
            if len(photo_frame):
                _insert(cur, "photos", photo_frame)
                _insert(cur, "audit_photos", links)
                capture.flag_photos(cur, links.audit_id.unique().tolist())  # the app's rule, not flags set by hand
            _insert(cur, "users", users)
            demo_actions.generate(cur, today, seed, ScoringSettings().price_tolerance)  # issue 15's loop
            db.set_meta("demo_seed", str(seed), cur)
            db.set_meta("demo_today", today.isoformat(), cur)
            db.set_meta("demo_generated_at", datetime.now().isoformat(timespec="seconds"), cur)
    except BaseException:
        _remove_demo_data(db)
        raise
    report.say(1.0, "demo.progress.done", stores=stores, audits=audit_count)
    return DemoSummary(stores=stores, audits=audit_count, lines=line_count, photos=len(photo_frame), users=len(users))
