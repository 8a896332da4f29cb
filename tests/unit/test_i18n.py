"""Every key exists in every language, and every key the code uses exists."""

import re

from audit import i18n
from tests.helpers.paths import ROOT

KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


def test_languages_have_the_same_keys():
    en, zh = set(i18n.catalog("en")), set(i18n.catalog("zh"))
    assert sorted(en - zh) == [], "keys missing from zh.json"
    assert sorted(zh - en) == [], "keys missing from en.json"


def test_no_empty_or_untranslated_chinese_text():
    en, zh = i18n.catalog("en"), i18n.catalog("zh")
    assert [k for k, v in zh.items() if not v.strip()] == []
    # A Chinese text identical to the English one (beyond names and codes) means it was never translated.
    same = [k for k in en if en[k] == zh[k] and re.search(r"[a-z]{4,}", en[k])]
    assert same == []


def test_placeholders_match_between_languages():
    en, zh = i18n.catalog("en"), i18n.catalog("zh")
    placeholders = lambda s: sorted(re.findall(r"{(\w+)}", s))  # noqa: E731
    assert [k for k in en if placeholders(en[k]) != placeholders(zh[k])] == []


def test_every_literal_key_used_in_code_exists():
    sources = [*ROOT.glob("app.py"), *ROOT.glob("views/*.py"), *ROOT.glob("audit/**/*.py")]
    used = {key for path in sources for key in KEY_CALL.findall(path.read_text(encoding="utf-8"))}
    assert sorted(used - set(i18n.catalog("en"))) == []


def test_language_from_browser_locale():
    assert i18n.language_from_locale("zh-CN") == "zh"
    assert i18n.language_from_locale("zh-Hans-CN") == "zh"
    assert i18n.language_from_locale("en-GB") == "en"
    assert i18n.language_from_locale(None) == "en"


def test_translation_and_formatting():
    assert i18n.t("nav.stores", "zh") == "门店"
    assert i18n.t("stores.showing", "en", shown=3, total=10) == "3 of 10 stores"
    from datetime import date

    assert i18n.fmt_date(date(2026, 3, 5), "zh") == "2026年3月5日"
    assert i18n.fmt_date(date(2026, 3, 5), "en") == "05 Mar 2026"
    assert i18n.fmt_date(None, "en") == "—"
    assert i18n.fmt_money(1234.5) == "¥1,234.50"


def test_a_count_of_one_reads_in_the_singular_in_english_and_chinese_is_unchanged():
    assert i18n.t("import.nothing_written", "en", n=1) == "1 problem found; nothing was imported."
    assert i18n.t("import.nothing_written", "en", n=3) == "3 problems found; nothing was imported."
    assert i18n.t("import.nothing_written", "zh", n=1) == "发现 1 个问题，未导入任何数据。"
    assert i18n.t("capture.days_since", "en", n=1) == "last visit yesterday"
    assert i18n.t("capture.days_since", "en", n=4) == "last visit 4 days ago"
    english = i18n.catalog("en")
    assert [k for k in english if "(s)" in english[k]] == []  # every count reads as a real singular or plural


def test_messages_with_two_counts_put_each_in_its_own_number():
    def generated(lang, visits, people):
        return i18n.t(
            "plans.generated",
            lang,
            visits=i18n.t("count.visits", lang, n=visits),
            people=i18n.t("count.merchandisers", lang, n=people),
        )

    assert generated("en", 1, 1) == "Planned 1 visit for 1 merchandiser."
    assert generated("en", 12, 3) == "Planned 12 visits for 3 merchandisers."
    assert generated("zh", 12, 1) == "已为 1 名业务员安排 12 次拜访。"
    assert "locked for 1 more minute." in i18n.t("signin.locked", "en", n=1)
    assert "locked for 15 more minutes." in i18n.t("signin.locked", "en", n=15)
    assert "请 15 分钟后再试" in i18n.t("signin.locked", "zh", n=15)


def test_lists_labels_and_asides_use_each_languages_punctuation():
    assert i18n.join_list(["茉莉花茶", "脆乐蛋卷"], "zh") == "茉莉花茶、脆乐蛋卷"
    assert i18n.join_list(["Jasmine Tea", "Crisp Rolls"], "en") == "Jasmine Tea, Crisp Rolls"
    assert i18n.labelled("缺货", "茉莉花茶", "zh") == "缺货：茉莉花茶"
    assert i18n.labelled("Stock-outs", "Jasmine Tea", "en") == "Stock-outs: Jasmine Tea"
    assert i18n.aside("茉莉花茶", "价格牌有误", "zh") == "茉莉花茶（价格牌有误）"
    assert i18n.aside("Jasmine Tea", "wrong tag", "en") == "Jasmine Tea (wrong tag)"
