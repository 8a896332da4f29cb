"""Deterministic demo data: master data, 26 weeks of audits with a story, synthetic shelf photos.

Everything is drawn from one numpy Generator seeded by `seed`, with dates counted back from `today`,
so the same arguments give the same data. Audits and their lines are built as whole arrays and
bulk-inserted from DataFrames in chunks; nothing is inserted row by row, so 5,000 stores × 104 weeks
(about 15 million SKU lines) loads in minutes.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from audit import auth, photos
from audit.db import Database

Progress = Callable[[float, str], None]
LINE_CHUNK_AUDITS = 40_000

# region code, English, Chinese, cities (English, Chinese, latitude, longitude)
REGIONS = [
    ("E", "East", "华东", [("Shanghai", "上海", 31.23, 121.47), ("Hangzhou", "杭州", 30.27, 120.15),
                          ("Nanjing", "南京", 32.06, 118.80), ("Suzhou", "苏州", 31.30, 120.62)]),
    ("S", "South", "华南", [("Guangzhou", "广州", 23.13, 113.26), ("Shenzhen", "深圳", 22.54, 114.06),
                           ("Xiamen", "厦门", 24.48, 118.09)]),
    ("N", "North", "华北", [("Beijing", "北京", 39.90, 116.40), ("Tianjin", "天津", 39.13, 117.20),
                           ("Shijiazhuang", "石家庄", 38.04, 114.51)]),
    ("SW", "Southwest", "西南", [("Chengdu", "成都", 30.57, 104.07), ("Chongqing", "重庆", 29.56, 106.55)]),
    ("C", "Central", "华中", [("Wuhan", "武汉", 30.59, 114.31), ("Changsha", "长沙", 28.23, 112.94)]),
]
REGION_WEIGHTS = [0.3, 0.22, 0.2, 0.15, 0.13]
# Drift of compliance over the whole period per region: East improves, North declines (the story the
# charts tell), whatever the number of weeks.
REGION_DRIFT = {"E": 0.24, "S": 0.04, "N": -0.24, "SW": 0.0, "C": 0.1}

CHANNELS = ["traditional", "modern", "special"]
CHANNEL_WEIGHTS = [0.55, 0.30, 0.15]
SUB_CHANNELS = {
    "traditional": ["wholesale_market", "small_supermarket", "grocery", "personal_care_shop"],
    "modern": ["hypermarket", "key_account", "supermarket_chain", "convenience_chain"],
    "special": ["restaurant", "hotel", "factory", "station"],
}
# How a store of each sub-channel is named: (Chinese pattern, English pattern) with {n} a trade name.
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
TRADE_NAMES = [("联华", "Lianhua"), ("华联", "Hualian"), ("好又多", "Haoyouduo"), ("美佳", "Meijia"),
               ("永安", "Yong'an"), ("百佳", "Baijia"), ("金泰", "Jintai"), ("新一佳", "Xinyijia"),
               ("喜多多", "Xiduoduo"), ("万家福", "Wanjiafu"), ("惠民", "Huimin"), ("丰源", "Fengyuan"),
               ("福满", "Fuman"), ("鑫隆", "Xinlong"), ("乐购", "Legou"), ("恒信", "Hengxin")]
STREETS = [("人民路", "Renmin Rd"), ("解放路", "Jiefang Rd"), ("中山路", "Zhongshan Rd"), ("建设路", "Jianshe Rd"),
           ("和平街", "Heping St"), ("长江路", "Changjiang Rd"), ("文化路", "Wenhua Rd"), ("新华街", "Xinhua St")]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"]
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰"]
CONTACT_ROLES = ["店长", "老板", "采购经理", "店员"]
OWNERSHIP = ["private", "chain", "state_owned", "franchise"]
STORE_CATEGORY_BY_CHANNEL = {
    "traditional": (["wholesale_t1", "wholesale_t2", "key_retailer", "other"], [0.15, 0.3, 0.35, 0.2]),
    "modern": (["key_retailer", "other"], [0.8, 0.2]),
    "special": (["other", "key_retailer"], [0.8, 0.2]),
}
GRADES = ["A", "B", "C"]
GRADE_WEIGHTS = [0.15, 0.35, 0.50]
# Visits per week by grade: A 2–3, B 1–2, C 2–3 a month (~0.58 a week).
VISIT_CHOICES = {"A": ([1, 2, 3], [0.06, 0.5, 0.44]), "B": ([0, 1, 2], [0.06, 0.56, 0.38]),
                 "C": ([0, 1], [0.42, 0.58])}

DEALERS = [  # code, English, Chinese, regions served
    ("D01", "Huamei Trading", "华美商贸有限公司", ["E"]), ("D02", "Jiangnan Distribution", "江南分销有限公司", ["E"]),
    ("D03", "Lingnan Supply", "岭南供应链有限公司", ["S"]), ("D04", "Pearl River Trading", "珠江商贸有限公司", ["S", "C"]),
    ("D05", "Jingjin Distribution", "京津分销有限公司", ["N"]), ("D06", "Yanzhao Trading", "燕赵商贸有限公司", ["N"]),
    ("D07", "Bashu Trading", "巴蜀商贸有限公司", ["SW"]), ("D08", "Chuchu Supply", "楚楚供应链有限公司", ["C", "SW"]),
]
MERCHANDISERS_PER_REGION = {"E": 3, "S": 3, "N": 2, "SW": 2, "C": 2}

# category code, English, Chinese, our brand (en, zh), price range, product variants (en, zh)
CATEGORIES = [
    ("beverages", "Beverages", "饮料", ("Qingquan", "清泉"), (2.5, 8.0),
     [("Green Tea 500ml", "绿茶 500ml"), ("Jasmine Tea 500ml", "茉莉花茶 500ml"), ("Lemon Tea 500ml", "柠檬茶 500ml"),
      ("Mineral Water 550ml", "矿泉水 550ml"), ("Orange Juice 450ml", "橙汁 450ml"), ("Cola 330ml", "可乐 330ml"),
      ("Herbal Tea 310ml", "凉茶 310ml"), ("Soy Milk 250ml", "豆奶 250ml"), ("Coffee 280ml", "咖啡 280ml"),
      ("Sports Drink 600ml", "运动饮料 600ml")]),
    ("snacks", "Snacks", "零食", ("Cuile", "脆乐"), (3.5, 15.0),
     [("Potato Chips Original", "原味薯片"), ("Potato Chips Spicy", "香辣薯片"), ("Rice Crackers", "米饼"),
      ("Seaweed Snack", "海苔"), ("Peanuts", "花生"), ("Sunflower Seeds", "瓜子"), ("Beef Jerky", "牛肉干"),
      ("Chocolate Wafer", "巧克力威化"), ("Egg Rolls", "蛋卷"), ("Shrimp Chips", "虾条")]),
    ("personal_care", "Personal care", "个人护理", ("Jingrou", "净柔"), (9.9, 49.0),
     [("Shampoo 400ml", "洗发水 400ml"), ("Conditioner 400ml", "护发素 400ml"), ("Body Wash 500ml", "沐浴露 500ml"),
      ("Toothpaste 120g", "牙膏 120g"), ("Toothbrush Soft", "软毛牙刷"), ("Hand Soap 300ml", "洗手液 300ml"),
      ("Facial Cleanser", "洗面奶"), ("Lotion 200ml", "润肤露 200ml"), ("Tissue 10 packs", "纸巾 10包"),
      ("Wet Wipes", "湿巾")]),
    ("household", "Household", "家居清洁", ("Jiejia", "洁家"), (6.9, 39.0),
     [("Dish Liquid 1.1kg", "洗洁精 1.1kg"), ("Laundry Liquid 2kg", "洗衣液 2kg"), ("Laundry Powder 1.5kg", "洗衣粉 1.5kg"),
      ("Floor Cleaner", "地板清洁剂"), ("Toilet Cleaner", "洁厕灵"), ("Glass Cleaner", "玻璃清洁剂"),
      ("Bleach", "漂白水"), ("Fabric Softener", "柔顺剂"), ("Sponge Pack", "海绵擦"), ("Trash Bags", "垃圾袋")]),
]
COMPETITORS = [("C01", "Guanyi", "冠益"), ("C02", "Sunfresh", "阳光鲜"), ("C03", "Bluepeak", "蓝峰"),
               ("C04", "Jiahe", "嘉禾"), ("C05", "Orchid", "兰韵")]
COMPETITOR_KINDS = ["promotion", "new_product", "themed_display", "display_change", "price_change", "staff_change"]
KIND_WEIGHTS_CAMPAIGN = [0.4, 0.1, 0.15, 0.1, 0.2, 0.05]
KIND_WEIGHTS_QUIET = [0.12, 0.15, 0.08, 0.3, 0.15, 0.2]
POP_TYPES = [  # code, English, Chinese, channels that require it
    ("poster", "Poster", "海报", ["traditional", "modern"]),
    ("hanging_flag", "Hanging flag", "吊旗", ["traditional", "modern"]),
    ("shelf_talker", "Shelf talker", "货架插卡", ["traditional", "modern", "special"]),
    ("display_cabinet", "Display cabinet", "展示柜", ["modern", "special"]),
    ("floor_stack", "Floor stack / end cap", "堆头", ["modern"]),
    ("banner", "Banner", "横幅", ["traditional"]),
]
CATEGORY_ZH = {code: zh for code, _, zh, *_ in CATEGORIES}
MUST_STOCK_SHARE = {"traditional": 0.6, "modern": 0.7, "special": 0.5}


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class DemoSummary:
    stores: int
    audits: int
    lines: int
    photos: int
    users: int

    def __str__(self) -> str:
        return (f"Demo data: {self.stores:,} stores, {self.audits:,} audits, {self.lines:,} SKU lines, "
                f"{self.photos:,} photos, {self.users:,} users")


def _insert(cur, table: str, frame: pd.DataFrame) -> None:
    cur.register("demo_frame", frame)
    cur.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM demo_frame")
    cur.unregister("demo_frame")


# ---------------------------------------------------------------- master data

def _regions() -> pd.DataFrame:
    return pd.DataFrame([(code, en, zh) for code, en, zh, _ in REGIONS], columns=["code", "name_en", "name_zh"])


def _dealers(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for code, en, zh, regions in DEALERS:
        contact = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES) + rng.choice(GIVEN_NAMES)
        rows.append((code, en, zh, regions[0], contact, f"1{rng.integers(30, 90)}{rng.integers(10**7, 10**8)}",
                     f"{code.lower()}@example.com"))
    return pd.DataFrame(rows, columns=["code", "name_en", "name_zh", "region_code", "contact", "phone", "email"])


def _merchandisers() -> list[tuple[str, str, str]]:
    """(username, Chinese display name, region) for the twelve merchandisers."""
    result, number = [], 1
    for region, count in MERCHANDISERS_PER_REGION.items():
        for _ in range(count):
            name = SURNAMES[(number * 5) % len(SURNAMES)] + GIVEN_NAMES[(number * 7) % len(GIVEN_NAMES)]
            result.append((f"merch{number:02d}", name, region))
            number += 1
    return result


def _users(merchandisers) -> pd.DataFrame:
    password_hash = auth.hash_password("demo")  # hashing is slow: once, shared by all demo accounts
    rows = [("admin", "陈静", "admin", None), ("manager", "刘洋", "manager", None)]
    rows += [(username, name, "merchandiser", None) for username, name, _ in merchandisers]
    rows += [(f"dealer{code[1:]}", f"{zh} ({en})", "dealer", code) for code, en, zh, _ in DEALERS]
    frame = pd.DataFrame(rows, columns=["username", "display_name", "role", "dealer_code"])
    return frame.assign(password_hash=password_hash, is_demo=True)


def _products(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for c_index, (category, _, _, (brand_en, brand_zh), (low, high), variants) in enumerate(CATEGORIES):
        for v_index, (variant_en, variant_zh) in enumerate(variants):
            price = np.floor(rng.uniform(low, high)) + 0.9  # shelf prices end in .9
            channels = [c for c in CHANNELS if rng.random() < MUST_STOCK_SHARE[c]]
            rows.append((f"P{c_index + 1}{v_index + 1:02d}", f"{brand_en} {variant_en}", f"{brand_zh}{variant_zh}",
                         brand_en, category, round(float(price), 2), channels))
    return pd.DataFrame(rows, columns=["code", "name_en", "name_zh", "brand", "category", "rrp",
                                       "must_stock_channels"])


def _stores(rng: np.random.Generator, n: int, merchandisers) -> pd.DataFrame:
    region_index = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    channel = np.array(CHANNELS)[rng.choice(3, size=n, p=CHANNEL_WEIGHTS)]
    grade = np.array(GRADES)[rng.choice(3, size=n, p=GRADE_WEIGHTS)]
    rows = []
    merch_by_region = {}
    for username, _, region in merchandisers:
        merch_by_region.setdefault(region, []).append(username)
    dealers_by_region = {code: [d for d, _, _, regions in DEALERS if code in regions] for code, *_ in REGIONS}
    for i in range(n):
        region_code, _, _, cities = REGIONS[region_index[i]]
        city_en, city_zh, lat, lon = cities[rng.integers(len(cities))]
        sub = SUB_CHANNELS[channel[i]][rng.integers(4)]
        trade_zh, trade_en = TRADE_NAMES[rng.integers(len(TRADE_NAMES))]
        street_zh, street_en = STREETS[rng.integers(len(STREETS))]
        number = int(rng.integers(1, 800))
        pattern_zh, pattern_en = STORE_NAME_PATTERNS[sub]
        categories, weights = STORE_CATEGORY_BY_CHANNEL[channel[i]]
        rows.append((
            f"S{i + 1:05d}",
            f"{pattern_zh.format(zh=trade_zh)}（{street_zh}店）",
            f"{pattern_en.format(en=trade_en)} ({street_en})",
            f"{city_zh}{street_zh}{number}号",
            f"1{rng.integers(30, 90)}{rng.integers(10**7, 10**8)}",
            rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
            CONTACT_ROLES[rng.integers(len(CONTACT_ROLES))],
            OWNERSHIP[rng.integers(len(OWNERSHIP))],
            categories[rng.choice(len(categories), p=weights)],
            channel[i], sub, grade[i], region_code, city_zh,
            round(lat + rng.normal(0, 0.06), 5), round(lon + rng.normal(0, 0.06), 5),
            rng.choice(dealers_by_region[region_code]),
            rng.choice(merch_by_region[region_code]),
            ", ".join(["清泉", "脆乐", *rng.choice([zh for _, _, zh in COMPETITORS], size=2, replace=False)]),
        ))
    return pd.DataFrame(rows, columns=[
        "code", "name", "name_en", "address", "phone", "contact_name", "contact_role", "ownership", "category",
        "channel", "sub_channel", "grade", "region_code", "city", "latitude", "longitude", "dealer_code",
        "merchandiser", "brands_carried"])


def _pop_types() -> pd.DataFrame:
    return pd.DataFrame(POP_TYPES, columns=["code", "name_en", "name_zh", "required_channels"])


def _competitors() -> pd.DataFrame:
    return pd.DataFrame(COMPETITORS, columns=["code", "name_en", "name_zh"])


# ---------------------------------------------------------------- audits

def _audits(rng, stores: pd.DataFrame, weeks: int, today: date, quality: np.ndarray, campaign_dip):
    """Visits per store and week following the grade's frequency, on distinct working days.

    Returns the audits frame and, per audit, the store index, week index and compliance level q.
    """
    n = len(stores)
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    store_idx = np.repeat(np.arange(n), weeks)
    week_idx = np.tile(np.arange(weeks), n)
    grade = stores.grade.to_numpy()[store_idx]
    visits = np.zeros(len(store_idx), dtype=np.int64)
    for g, (choices, weights) in VISIT_CHOICES.items():
        mask = grade == g
        visits[mask] = rng.choice(choices, size=int(mask.sum()), p=weights)
    # k distinct weekdays per store-week: the first k of a random permutation of Mon..Fri.
    day_order = np.argsort(rng.random((len(store_idx), 5)), axis=1)
    rows = np.repeat(np.arange(len(store_idx)), visits)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(visits) - visits, visits)
    weekday = day_order[rows, slot]
    s_idx, w_idx = store_idx[rows], week_idx[rows]
    visit_date = pd.to_datetime(first_monday) + pd.to_timedelta(w_idx * 7 + weekday, unit="D")
    keep = visit_date <= pd.Timestamp(today)
    s_idx, w_idx, visit_date = s_idx[keep], w_idx[keep], visit_date[keep]
    order = np.lexsort((s_idx, visit_date.to_numpy()))
    s_idx, w_idx, visit_date = s_idx[order], w_idx[order], visit_date[order]

    m = len(s_idx)
    start_minutes = rng.integers(8 * 60 + 30, 17 * 60 + 30, size=m)
    duration = rng.integers(15, 61, size=m)
    started_at = visit_date + pd.to_timedelta(start_minutes, unit="m")
    region = stores.region_code.to_numpy()[s_idx]
    trend = pd.Series(region).map(REGION_DRIFT).to_numpy() * (w_idx / max(weeks - 1, 1) - 0.5)
    q = np.clip(quality[s_idx] + trend - campaign_dip(region, w_idx), 0.15, 0.98)
    ordered = rng.random(m) < 0.35 + 0.4 * q
    amount = np.where(ordered, np.round(rng.lognormal(6.3, 0.7, size=m), 2), np.nan)
    ids = np.arange(1, m + 1)
    return pd.DataFrame({
        "id": ids,
        "submission_key": [f"demo-{i}" for i in ids],
        "store_code": stores.code.to_numpy()[s_idx],
        "merchandiser": stores.merchandiser.to_numpy()[s_idx],
        "visit_date": visit_date.date,
        "started_at": started_at,
        "submitted_at": started_at + pd.to_timedelta(duration, unit="m"),
        "order_placed": ordered,
        "order_amount": amount,
        "notes": None,
        "source": "demo",
    }), s_idx, w_idx, q


def _campaigns(rng, weeks: int):
    """Competitor campaigns: (competitor index, region, first week, last week)."""
    region_codes = [code for code, *_ in REGIONS]
    campaigns = []
    for c in range(len(COMPETITORS)):
        for _ in range(int(rng.integers(2, 5))):
            length = int(rng.integers(2, 6))
            start = int(rng.integers(0, max(1, weeks - length + 1)))
            for region in rng.choice(region_codes, size=int(rng.integers(1, 3)), replace=False):
                campaigns.append((c, str(region), start, start + length - 1))
    return campaigns


def _campaign_active(campaigns, competitor: int, region: np.ndarray, week: np.ndarray) -> np.ndarray:
    active = np.zeros(len(region), dtype=bool)
    for c, r, first, last in campaigns:
        if c == competitor:
            active |= (region == r) & (week >= first) & (week <= last)
    return active


def _lines(rng, audit_ids, channels, q, products: pd.DataFrame) -> pd.DataFrame:
    """Per-SKU answers: each must-stock SKU of the store's channel, sometimes one extra SKU."""
    codes = products.code.to_numpy()
    rrp = products.rrp.to_numpy(dtype=float)
    difficulty = np.random.default_rng(7).uniform(0, 0.08, size=len(codes))  # some SKUs sell out more
    parts = []
    for channel in CHANNELS:
        in_channel = np.flatnonzero(channels == channel)
        if len(in_channel) == 0:
            continue
        must = np.flatnonzero(products.must_stock_channels.map(lambda cs, ch=channel: ch in cs).to_numpy())
        other = np.setdiff1d(np.arange(len(codes)), must)
        audit_rows = np.repeat(in_channel, len(must))
        sku = np.tile(must, len(in_channel))
        must_flag = np.ones(len(sku), dtype=bool)
        if len(other):
            extra_rows = in_channel[rng.random(len(in_channel)) < 0.2]
            audit_rows = np.concatenate([audit_rows, extra_rows])
            sku = np.concatenate([sku, rng.choice(other, size=len(extra_rows))])
            must_flag = np.concatenate([must_flag, np.zeros(len(extra_rows), dtype=bool)])
        parts.append((audit_rows, sku, must_flag))
    audit_rows = np.concatenate([p[0] for p in parts])
    sku = np.concatenate([p[1] for p in parts])
    must_flag = np.concatenate([p[2] for p in parts])
    order = np.lexsort((sku, audit_rows))
    audit_rows, sku, must_flag = audit_rows[order], sku[order], must_flag[order]

    n = len(sku)
    lq = q[audit_rows]
    u = rng.random((11, n))
    in_stock = u[0] < np.clip(0.62 + 0.37 * lq - difficulty[sku], 0.3, 0.995)
    facings = np.where(in_stock, np.minimum(1 + rng.poisson(1 + 3 * lq), 12), 0)
    # Shelf level: eye level (2) more likely in better-kept stores.
    p1, p2, p3 = 0.18, 0.15 + 0.45 * lq, 0.27
    level = np.where(u[1] < p1, 1, np.where(u[1] < p1 + p2, 2, np.where(u[1] < p1 + p2 + p3, 3, 4)))
    tag_present = u[2] < 0.7 + 0.28 * lq
    shelf_price_factor = np.where(u[3] < 0.12 * (1 - lq) + 0.02, rng.uniform(0.8, 0.95, n),
                                  np.where(u[3] > 0.93, rng.uniform(1.02, 1.08, n), 1.0))

    def when(mask, values, dtype="boolean"):
        return pd.Series(values, dtype=dtype).where(mask)  # NULL where the question does not apply

    return pd.DataFrame({
        "audit_id": audit_ids[audit_rows],
        "product_code": codes[sku],
        "must_stock": must_flag,
        "in_stock": in_stock,
        "facings": facings.astype(np.int16),
        "shelf_level": when(in_stock, level, "Int8"),
        "restocked": when(~in_stock, u[4] < 0.1 + 0.4 * lq),
        "fifo_ok": when(in_stock, u[5] < 0.75 + 0.23 * lq),
        "near_expiry": when(in_stock, u[6] < 0.01 + 0.08 * (1 - lq)),
        "damaged": when(in_stock, u[7] < 0.005 + 0.04 * (1 - lq)),
        "tag_present": tag_present,
        "tag_placed_ok": when(tag_present, u[8] < 0.8 + 0.19 * lq),
        "tag_matches": when(tag_present, u[9] < 0.85 + 0.14 * lq),
        "tag_legible": when(tag_present, u[10] < 0.9),
        "shelf_price": when(in_stock & tag_present, np.round(rrp[sku] * shelf_price_factor, 1), "Float64"),
    })


def _pop_checks(rng, audit_ids, channels, q) -> pd.DataFrame:
    frames = []
    for code, _, _, required in POP_TYPES:
        rows = np.flatnonzero(np.isin(channels, required))
        present = rng.random(len(rows)) < 0.4 + 0.55 * q[rows]
        condition = np.array(["good", "worn", "damaged"])[rng.choice(3, size=len(rows), p=[0.7, 0.22, 0.08])]
        frames.append(pd.DataFrame({
            "audit_id": audit_ids[rows], "pop_type_code": code, "present": present,
            "condition": pd.Series(condition).where(present, None),
        }))
    return pd.concat(frames).sort_values(["audit_id", "pop_type_code"], kind="stable")


def _observations(rng, audits: pd.DataFrame, region, week, campaigns, products: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for c, (code, name_en, name_zh) in enumerate(COMPETITORS):
        active = _campaign_active(campaigns, c, region, week)
        seen = rng.random(len(audits)) < np.where(active, 0.45, 0.04)
        rows = np.flatnonzero(seen)
        campaign = active[rows]
        kind_campaign = rng.choice(COMPETITOR_KINDS, size=len(rows), p=KIND_WEIGHTS_CAMPAIGN)
        kind_quiet = rng.choice(COMPETITOR_KINDS, size=len(rows), p=KIND_WEIGHTS_QUIET)
        kind = np.where(campaign, kind_campaign, kind_quiet)
        sku = rng.integers(len(products), size=len(rows))
        category = products.category.to_numpy()[sku]
        normal = np.round(products.rrp.to_numpy(dtype=float)[sku] * rng.uniform(0.88, 1.08, len(rows)), 1)
        discounted = np.isin(kind, ["promotion", "price_change"])
        promo = np.where(discounted, np.round(normal * rng.uniform(0.78, 0.92, len(rows)), 1), np.nan)
        flash = np.where(discounted & (rng.random(len(rows)) < 0.25),
                         np.round(normal * rng.uniform(0.55, 0.72, len(rows)), 1), np.nan)
        frames.append(pd.DataFrame({
            "audit_id": audits.id.to_numpy()[rows],
            "competitor_code": code,
            "competitor_other": None,
            "kind": kind,
            "product": [f"{name_zh} {CATEGORY_ZH[cat]}" for cat in category],
            "normal_price": normal,
            "promo_price": promo,
            "flash_price": flash,
            "facings": (rng.poisson(np.where(campaign, 6, 3)) + 1).astype(np.int16),
            "note": np.where(campaign, f"{name_en} campaign / {name_zh}活动", None),
        }))
    frame = pd.concat(frames).sort_values(["audit_id", "competitor_code"], kind="stable")
    return frame.assign(id=np.arange(1, len(frame) + 1))[["id", *frame.columns]]



# ---------------------------------------------------------------- photos

SHELF_COLOURS = [(196, 30, 58), (0, 122, 94), (242, 169, 0), (30, 80, 160), (120, 60, 150), (230, 110, 40)]


def draw_shelf_photo(rng: np.random.Generator, label: str, width: int = 800, height: int = 600) -> bytes:
    """A simple synthetic shelf: four shelves of coloured product blocks with price tags."""
    image = Image.new("RGB", (width, height), tuple(int(v) for v in rng.integers(215, 245, 3)))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, 40], fill=(40, 40, 48))
    draw.text((12, 12), label, fill=(255, 255, 255))
    shelf_height = (height - 50) // 4
    for level in range(4):
        top = 50 + level * shelf_height
        x = 10
        while x < width - 40:
            block = int(rng.integers(28, 70))
            colour = SHELF_COLOURS[int(rng.integers(len(SHELF_COLOURS)))]
            if rng.random() > 0.1:  # gaps are stock-outs
                draw.rectangle([x, top + 12, x + block - 4, top + shelf_height - 22], fill=colour,
                               outline=(30, 30, 30))
            x += block
        draw.rectangle([0, top + shelf_height - 18, width, top + shelf_height - 8], fill=(110, 90, 70))
        for tag_x in range(20, width - 40, int(rng.integers(90, 140))):
            draw.rectangle([tag_x, top + shelf_height - 30, tag_x + 30, top + shelf_height - 18], fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _photos(rng, audits: pd.DataFrame, count: int, progress: Progress) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drawn photos for the most recent `count` audits: files first, then rows."""
    recent = audits.tail(count)
    photo_rows, links = [], []
    for n, (audit_id, store_code, visit_date) in enumerate(
            recent[["id", "store_code", "visit_date"]].itertuples(index=False)):
        sections = ["store"] + (["shelf"] if rng.random() < 0.5 else [])
        for section in sections:
            processed = photos.process_photo(draw_shelf_photo(rng, f"{store_code}  {visit_date}  {section}"))
            photos.save_files(processed)
            photo_rows.append(photos.photo_row(processed))
            links.append((audit_id, processed.sha256, section))
        if n % 25 == 0:
            progress(0.9 + 0.09 * n / max(count, 1), f"photos {n:,}/{count:,}")
    photo_frame = pd.DataFrame(photo_rows, columns=list(photos.PHOTO_COLUMNS)).drop_duplicates("sha256")
    link_frame = pd.DataFrame(links, columns=["audit_id", "photo_sha256", "section"])
    return photo_frame, link_frame


# ---------------------------------------------------------------- entry point

def generate_demo(db: Database, stores: int = 200, weeks: int = 26, seed: int = 42, today: date | None = None,
                  photos: int = 300, progress: Progress | None = None) -> DemoSummary:
    if db.query_one("SELECT count(*) FROM stores")[0] or db.query_one("SELECT count(*) FROM users")[0]:
        raise DemoError("Demo data goes into an empty database only; this one already has stores or users.")
    progress = progress or (lambda fraction, message: None)
    today = today or date.today()
    rng = np.random.default_rng(seed)

    progress(0.01, "master data")
    merchandisers = _merchandisers()
    products = _products(rng)
    store_frame = _stores(rng, stores, merchandisers)
    users = _users(merchandisers)
    dealers = _dealers(rng)

    # Store quality: store, merchandiser and dealer effects (the differences the charts show).
    merch_effect = dict(zip([m[0] for m in merchandisers], rng.normal(0, 0.06, len(merchandisers))))
    dealer_effect = dict(zip([d[0] for d in DEALERS], rng.normal(0, 0.04, len(DEALERS))))
    quality = (rng.beta(5, 2, size=stores) + store_frame.merchandiser.map(merch_effect).to_numpy()
               + store_frame.dealer_code.map(dealer_effect).to_numpy())
    campaigns = _campaigns(rng, weeks)

    def campaign_dip(region, week):
        hit = np.zeros(len(region), dtype=bool)
        for c in range(len(COMPETITORS)):
            hit |= _campaign_active(campaigns, c, region, week)
        return np.where(hit, 0.06, 0.0)

    progress(0.05, "audits")
    audits, store_idx, week_idx, q = _audits(rng, store_frame, weeks, today, quality, campaign_dip)
    channels = store_frame.channel.to_numpy()[store_idx]
    region = store_frame.region_code.to_numpy()[store_idx]

    line_count = 0
    with db.write() as cur:
        for table, frame in (("regions", _regions()), ("dealers", dealers), ("users", users),
                             ("products", products), ("competitors", _competitors()), ("pop_types", _pop_types()),
                             ("stores", store_frame), ("audits", audits)):
            _insert(cur, table, frame)
        audit_ids = audits.id.to_numpy()
        for start in range(0, len(audits), LINE_CHUNK_AUDITS):
            part = slice(start, start + LINE_CHUNK_AUDITS)
            lines = _lines(rng, audit_ids[part], channels[part], q[part], products)
            _insert(cur, "audit_lines", lines)
            _insert(cur, "audit_pop", _pop_checks(rng, audit_ids[part], channels[part], q[part]))
            line_count += len(lines)
            progress(0.1 + 0.75 * min(1.0, (start + LINE_CHUNK_AUDITS) / max(len(audits), 1)),
                     f"audit lines {line_count:,}")
        _insert(cur, "competitor_observations",
                _observations(rng, audits, region, week_idx, campaigns, products))
        photo_frame, links = _photos(rng, audits, min(photos, len(audits)), progress)
        if len(photo_frame):
            _insert(cur, "photos", photo_frame)
            _insert(cur, "audit_photos", links)
        db.set_meta("demo_seed", str(seed), cur)
        db.set_meta("demo_today", today.isoformat(), cur)
    progress(1.0, "done")
    return DemoSummary(stores=stores, audits=len(audits), lines=line_count, photos=len(photo_frame),
                       users=len(users))
