"""The demo's catalogue: regions and their cities, channels and grades, dealers, people's names (Chinese and
English), categories, our products and brands, competitors, POP types, the notes merchandisers write."""

from __future__ import annotations

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
