"""Every page, run through Streamlit's AppTest, for every role; forbidden pages stay out of reach."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from audit import auth, i18n
from tests.helpers.apptest import APP, ROLE_USERS, app_as, texts
from tests.helpers.badinput import as_shown


def test_signed_out_visitor_sees_only_the_sign_in_page_with_demo_accounts(demo_db):
    at = app_as(demo_db, None)
    assert not at.exception
    assert at.title[0].value == "Store Audit"
    assert "Demo accounts" in texts(at)
    with pytest.raises(ValueError, match=r"Known pages: \[('[^,]*/views/sign_in.py'(, )?)+\]"):  # at every address
        at.switch_page("views/stores.py")


def test_sign_in_form_signs_in_and_wrong_password_says_so(demo_db):
    at = app_as(demo_db, None)
    at.text_input(key="signin_username").input("manager")
    at.text_input(key="signin_password").input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert at.text_input(key="signin_username").value == "manager"  # nothing typed is lost
    at.text_input(key="signin_password").input("demo")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Stores"


@pytest.mark.parametrize("role", ROLE_USERS)
def test_each_role_reaches_the_store_list_in_both_languages(demo_db, role):
    for lang, title in (("en", "Stores"), ("zh", "门店")):
        at = app_as(demo_db, ROLE_USERS[role], lang)
        assert not at.exception, at.exception
        assert at.title[0].value == title
        assert len(at.dataframe) == 1


def store_codes(at: AppTest) -> set[str]:
    return set(at.dataframe[0].value["code"])


def test_store_list_is_scoped_in_the_data_layer(demo_db):
    everything = store_codes(app_as(demo_db, "manager"))
    assert len(everything) == 40
    mine = store_codes(app_as(demo_db, "merch01"))
    assigned = {
        r[0] for r in demo_db.cursor().execute("SELECT code FROM stores WHERE merchandiser = 'merch01'").fetchall()
    }
    assert mine == assigned and 0 < len(mine) < 40
    dealer_user = auth.get_user(demo_db, "dealer01")
    supplied = {
        r[0]
        for r in demo_db.cursor()
        .execute("SELECT code FROM stores WHERE dealer_code = ?", [dealer_user.dealer_code])
        .fetchall()
    }
    assert store_codes(app_as(demo_db, "dealer01")) == supplied


@pytest.mark.parametrize("role", ["manager", "merchandiser", "dealer"])
def test_admin_page_is_unreachable_for_other_roles(demo_db, role):
    at = app_as(demo_db, ROLE_USERS[role])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/admin.py")
    assert at.title[0].value == "Stores"
    assert not at.tabs


def test_admin_page_has_imports_and_users(demo_db):
    at = app_as(demo_db, "admin")
    at.switch_page("views/admin.py").run()
    assert not at.exception
    assert [tab.label for tab in at.tabs][:2] == ["Import master data", "Users"]
    users_table = at.dataframe[-1].value
    assert {"admin", "manager", "merch01", "dealer01"} <= set(users_table["username"])


def test_admin_adds_a_user_and_sees_a_clear_error_for_a_short_password(demo_db):
    at = app_as(demo_db, "admin")
    at.switch_page("views/admin.py").run()
    at.text_input(key="new_username").input("zhang.wei")
    at.text_input(key="new_display_name").input("张伟")
    at.button_group(key="new_role").set_value("merchandiser")
    at.text_input(key="new_password").input("short")
    submit = next(b for b in at.button if b.label == "Add user")
    submit.click().run()
    assert "The password must have at least 8 characters." in [e.value for e in at.error]
    assert at.text_input(key="new_username").value == "zhang.wei"
    at.text_input(key="new_password").input("long enough now")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert auth.authenticate(demo_db, "zhang.wei", "long enough now").role == "merchandiser"
    # The new account is in the list and the reset picker at once, and the form is empty for the next one.
    assert [as_shown(s.value) for s in at.success] == [i18n.t("users.added", "en", username="zhang.wei")]
    assert "zhang.wei" in set(at.dataframe[-1].value["username"])
    assert "zhang.wei" in at.selectbox(key="manage_user").options
    assert at.text_input(key="new_username").value == "" and at.text_input(key="new_password").value == ""


def test_admin_resets_a_password_and_the_field_is_emptied_after_it(demo_db):
    at = app_as(demo_db, "admin")
    at.switch_page("views/admin.py").run()
    at.selectbox(key="manage_user").set_value("merch01").run()
    at.text_input(key="reset_password").input("short")
    at.button(key="do_reset").click().run()
    assert [e.value for e in at.error] == ["The password must have at least 8 characters."]
    assert at.text_input(key="reset_password").value == "short"  # refused: kept to correct
    at.text_input(key="reset_password").input("a new long one")
    at.button(key="do_reset").click().run()
    assert [s.value for s in at.success] == [i18n.t("users.password_reset", "en", username="merch01")]
    assert at.text_input(key="reset_password").value == ""
    assert auth.authenticate(demo_db, "merch01", "a new long one").role == "merchandiser"


def test_search_and_filters_narrow_the_list_and_live_in_the_url(demo_db):
    at = app_as(demo_db, "manager")
    at.text_input(key="url_q").input("S00001").run()
    assert store_codes(at) == {"S00001"}
    assert at.query_params["q"] == ["S00001"] or at.query_params["q"] == "S00001"
    at.text_input(key="url_q").input("").run()
    at.button_group(key="url_grade").set_value(["A"]).run()
    grades = set(
        demo_db.cursor()
        .execute("SELECT grade FROM stores WHERE code IN (SELECT unnest(?))", [sorted(store_codes(at))])
        .fetchall()
    )
    assert grades == {("A",)}


def test_store_card_opens_from_the_url_and_other_stores_are_refused(demo_db):
    mine = demo_db.query_one("SELECT code FROM stores WHERE merchandiser = 'merch01' ORDER BY code")[0]
    other = demo_db.query_one("SELECT code FROM stores WHERE merchandiser <> 'merch01' ORDER BY code")[0]
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, "merch01")
    at.query_params["store"] = mine
    at.run()
    assert not at.exception
    assert "Recent audits" in texts(at)
    at.query_params["store"] = other
    at.run()
    assert [w.value for w in at.warning] == [f"Store {other} does not exist or is not one of your stores."]


def test_empty_database_offers_demo_data_and_a_first_administrator(data_dir):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "Load demo data" in labels
    at.text_input(key="first_admin_username").input("root")
    at.text_input(key="first_admin_display_name").input("Root")
    at.text_input(key="first_admin_password").input("a long password")
    next(b for b in at.button if b.label == "Create administrator and sign in").click().run()
    assert not at.exception
    assert at.title[0].value == "Stores"
    assert "There are no stores yet" in texts(at)


def test_sign_out_ends_the_session(demo_db):
    at = app_as(demo_db, "manager")
    token = at.session_state["session_token"]
    next(b for b in at.button if b.key == "sign_out").click().run()
    assert at.title[0].value == "Store Audit"
    assert auth.user_for_session(demo_db, token) is None


def test_admin_imports_stores_with_preview_errors_and_confirm(demo_db):
    at = app_as(demo_db, "admin", "zh")
    at.switch_page("views/admin.py").run()
    bad = "门店编码,门店名称,渠道,等级,大区\nN1,新店,现代,Z,华东\n".encode("gbk")
    at.file_uploader(key="import_file_stores").set_value(("门店.csv", bad, "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["发现 1 个问题：请修改文件后重新上传。尚未写入任何数据。"]
    problems = next(d.value for d in at.dataframe if "message" in d.value.columns)
    assert list(problems["message"]) == ["第 2 行，“等级”列：“Z”不是以下之一：A、B、C。"]
    assert not [b for b in at.button if b.key == "import_confirm"]

    good = (
        "门店编码,门店名称,渠道,等级,大区,经销商编码,业务员\n"
        "N1,新店,现代,A,华东,D01,merch01\nN2,老店,传统,C,华东,D01,merch01\n"
    )
    at.file_uploader(key="import_file_stores").set_value(("门店.csv", good.encode("gbk"), "text/csv")).run()
    assert "预览：共 2 行，新增 2 行，更新 0 行" in texts(at)
    assert demo_db.query_one("SELECT count(*) FROM stores WHERE code IN ('N1', 'N2')")[0] == 0
    next(b for b in at.button if b.key == "import_confirm").click().run()
    assert "导入完成：新增 2 条，更新 0 条。" in [s.value for s in at.success]
    assert demo_db.query_one("SELECT name, grade, merchandiser FROM stores WHERE code = 'N1'") == (
        "新店",
        "A",
        "merch01",
    )


def test_load_demo_data_from_an_empty_database_then_see_200_stores(data_dir):
    at = AppTest.from_file(APP, default_timeout=180).run()
    next(b for b in at.button if b.key == "load_demo").click().run()
    assert not at.exception
    assert "Demo accounts" in texts(at)
    at.text_input(key="signin_username").input("manager")
    at.text_input(key="signin_password").input("demo")
    at.button[0].click().run()
    assert "200 of 200 stores" in texts(at)
    at.session_state["lang"] = "zh"
    at.run()
    assert "共 200 家门店，显示 200 家" in texts(at)


def test_store_text_is_shown_literally_not_as_markdown(demo_db):
    from audit.ui.markdown import md_escape

    evil = "**Bold** [pay here](https://evil.example) <script>alert(1)</script>"
    with demo_db.write() as cur:
        cur.execute("UPDATE stores SET name = ?, name_en = NULL, notes = ? WHERE code = 'S00001'", [evil, "# big"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, "manager")
    at.query_params["store"] = "S00001"
    at.run()
    assert at.header[0].value == md_escape(evil)
    assert "\\*\\*Bold\\*\\* \\[pay here\\]\\(https" in at.header[0].value
    assert any("\\# big" in m.value for m in at.markdown)


def test_repeated_wrong_passwords_lock_sign_in_with_a_message_in_chinese(demo_db):
    from audit import config

    at = app_as(demo_db, None, "zh")
    at.text_input(key="signin_username").input("manager")
    for attempt in range(1, config.SIGNIN_CLIENT_MAX_FAILURES):
        at.text_input(key="signin_password").input("wrong")
        at.button[0].click().run()
        left = config.SIGNIN_CLIENT_MAX_FAILURES - attempt  # the last two tries before the pause are announced
        warning = f"再输错 {left} 次，登录将暂停 {config.SIGNIN_LOCK_MINUTES} 分钟。" if left <= 2 else ""
        assert [e.value for e in at.error] == ["用户名或密码错误。" + warning]
    at.text_input(key="signin_password").input("wrong")
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"此设备密码错误次数过多：登录已暂停，请 {config.SIGNIN_LOCK_MINUTES} 分钟后再试。"
    ]
    at.text_input(key="signin_password").input("demo")  # even the right password waits for the lock to end
    at.button[0].click().run()
    assert at.title[0].value == "终端检查" and len(at.error) == 1  # still the sign-in page
    assert at.text_input(key="signin_username").value == "manager"


def test_markup_put_in_the_url_is_shown_literally_in_the_refusal(demo_db):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, "dealer01")
    at.query_params["store"] = "**S1**[x](http://evil)"
    at.run()
    assert [w.value for w in at.warning] == [
        "Store \\*\\*S1\\*\\*\\[x\\]\\(http\\:\u200b\\/\\/evil\\) does not exist or is not one of your stores."
    ]  # no link
    at.query_params["dealer"] = "_D9_"
    at.switch_page("views/exports.py").run()
    assert [e.value for e in at.error] == [r"You can export only your own stores; dealer \_D9\_ is not yours."]


@pytest.mark.parametrize("username, title", [("merch01", "Audit"), ("manager", "Stores"), ("dealer01", "Stores")])
def test_signing_in_lands_on_the_roles_start_page(demo_db, username, title):
    at = app_as(demo_db, None)
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input("demo")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == title  # a merchandiser starts the day on today's plan
    at.switch_page("views/stores.py").run()
    assert at.title[0].value == "Stores"  # once: the landing does not follow them around
