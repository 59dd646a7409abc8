"""Uploads that survive a phone's connection, in real Chromium on a phone, through a real TCP
proxy in the test (tests/netproxy.py): a 10 s cut, a lost reply, a reload, 25 photos at once,
and the form without JavaScript."""

from __future__ import annotations

import errno
import io
import os
import random
import re

import pytest
from netproxy import NetProxy
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from tablecloth import db
from tablecloth.context import STORE, site
from tablecloth.models import PartialUpload, Photo
from tablecloth.services import groups

pytestmark = pytest.mark.browser

CHUNK_BYTES = 512 * 1024
NAME = "Аня"


def noise_jpeg(size: tuple[int, int], seed: int) -> bytes:
    """Return a JPEG of noise: about 2.6 bytes a pixel, so a 3 MB photo is 1.2 megapixels."""
    noise = random.Random(seed).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, noise).save(out, "JPEG", quality=96, subsampling=0)
    return out.getvalue()


def _invite(live_server) -> str:
    with live_server.app_context():
        return groups.create_group(site(), "Молодёжный клуб",
                                   groups.city_by_slug(site(), "volgograd")).invite_code


def _fill(page, *, russian: bool = True) -> None:
    """Answer the form as a 16-year-old from Volgograd (a guardian must agree too)."""
    page.locator("#first_name").fill(NAME)
    page.check("input[name=age_band][value='16-17']")
    page.check("input[name=consent_self]")
    expect(page.locator("#guardian")).to_be_visible()
    page.check("input[name=consent_guardian]")
    page.check("input[name=terms]")


def _files(tmp_path, sizes: list[tuple[int, int]]) -> list[str]:
    paths = []
    for n, size in enumerate(sizes):
        path = tmp_path / f"IMG_{n + 1:04d}.jpg"
        path.write_bytes(noise_jpeg(size, seed=n))
        paths.append(str(path))
    return paths


def _photo_rows(live_server) -> list[Photo]:
    with live_server.app_context():
        return db.session().scalars(select(Photo).order_by(Photo.id)).all()


@pytest.fixture
def proxy(live_server):
    """A phone's link to the live server: about 600 KB/s up, 40 ms each way."""
    link = NetProxy("127.0.0.1", int(live_server.url.rsplit(":", 1)[1]),
                    up_bytes_s=600_000, latency_s=0.04).start()
    live_server.app.config["UPLOAD_CHUNK_BYTES"] = CHUNK_BYTES
    yield link
    link.stop()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_ten_second_cut_heals_itself_without_a_tap(live_server, proxy, phone, tmp_path,
                                                     shots, language):
    invite = _invite(live_server)
    sizes = [(1200, 1000), (640, 480), (640, 480)]  # 3 MB, then two smaller photos
    paths = _files(tmp_path, sizes)
    total = sum(os.path.getsize(p) for p in paths)
    big = os.path.getsize(paths[0])
    assert 2_900_000 < big < 3_500_000
    page = phone(language).new_page()
    page.goto(f"{proxy.url}/upload?code={invite}")
    _fill(page)
    page.set_input_files("#photos", paths)
    cards = page.locator("#picked li")
    expect(cards).to_have_count(3)
    cards.nth(0).locator("textarea").fill("Набережная")

    # The link drops for 10 s when about 30 % of the 3 MB photo has gone.
    before = proxy.sent_up
    proxy.when_sent(before + int(0.3 * big), lambda: proxy.cut(10.0))
    page.locator("#send").click()
    expect(cards.nth(0).locator(".state")).to_contain_text(re.compile(r"\d+ %"))
    page.wait_for_function(
        "() => document.querySelector('#picked li progress').value > 0.05")
    cards.nth(0).scroll_into_view_if_needed()
    page.screenshot(path=shots / f"1-mid-upload-{language}.png")
    waiting = {"ru": "Ждём связи… отправлено 0 из 3", "en": "Waiting for a signal… 0 of 3 sent"}
    expect(page.locator("#status-line")).to_contain_text(waiting[language], timeout=20_000)
    page.screenshot(path=shots / f"2-waiting-for-a-signal-{language}.png")
    # Nobody taps anything: every photo arrives once the signal is back.
    for index in range(3):
        expect(cards.nth(index)).to_have_class(re.compile(r"\bdone\b"), timeout=60_000)
    expect(page.locator("#receipts")).to_be_visible()
    mine = page.locator("#mine a")
    expect(mine).to_have_attribute("href", re.compile(r"/upload/mine/"))
    page.locator("#receipts").scroll_into_view_if_needed()
    page.screenshot(path=shots / f"3-finished-{language}.png")
    page.screenshot(path=shots / f"3-finished-{language}-full.png", full_page=True)

    resent = proxy.sent_up - before - total  # request lines and headers count as resent too
    print(f"sent {proxy.sent_up - before:,} bytes for {total:,}: {resent:,} more")
    assert 0 < resent <= CHUNK_BYTES
    rows = _photo_rows(live_server)
    assert len(rows) == 3 and rows[0].caption == "Набережная"
    codes = page.locator("#receipt-list .receipt-code strong").all_inner_texts()
    assert sorted(codes) == sorted(row.code for row in rows)


def test_a_lost_reply_ends_with_that_photos_receipt_and_one_row(live_server, proxy, phone,
                                                                 tmp_path):
    invite = _invite(live_server)
    path = _files(tmp_path, [(640, 480)])[0]
    size = os.path.getsize(path)
    page = phone("ru").new_page()
    page.goto(f"{proxy.url}/upload?code={invite}")
    _fill(page)
    page.set_input_files("#photos", [path])
    # The last PATCH arrives, the server stores the photo and answers 204; the phone never
    # hears that answer.
    proxy.lose_reply_after(proxy.sent_up + size - 1000)
    page.locator("#send").click()
    card = page.locator("#picked li").first
    expect(card).to_have_class(re.compile(r"\bdone\b"), timeout=30_000)
    assert proxy.replies_lost == 1
    rows = _photo_rows(live_server)
    assert len(rows) == 1
    expect(card.locator(".state")).to_contain_text(rows[0].code)
    expect(page.locator("#receipt-list .receipt-code strong")).to_have_text(rows[0].code)
    expect(page.locator("#receipt-list .receipt-link a")).to_have_attribute(
        "href", re.compile(r"/upload/withdraw/"))


def test_a_reload_mid_upload_finishes_the_rest_on_one_my_photos_page(live_server, proxy,
                                                                    phone, tmp_path, shots):
    invite = _invite(live_server)
    paths = _files(tmp_path, [(640, 480), (1000, 800), (640, 480)])  # 0.8, 2.1, 0.8 MB
    total = sum(os.path.getsize(p) for p in paths)
    page = phone("ru").new_page()
    page.goto(f"{proxy.url}/upload?code={invite}")
    _fill(page)
    page.set_input_files("#photos", paths)
    cards = page.locator("#picked li")
    for index, caption in enumerate(("Первая", "Вторая", "Третья")):
        cards.nth(index).locator("textarea").fill(caption)
    before = proxy.sent_up
    page.locator("#send").click()
    expect(cards.nth(0)).to_have_class(re.compile(r"\bdone\b"), timeout=30_000)
    # The second photo is three quarters of the way when the page is reloaded.
    page.wait_for_function(
        "() => document.querySelectorAll('#picked li progress')[1].value > 0.75")
    page.reload()
    resume = page.locator("#resume")
    expect(resume).to_be_visible()
    expect(resume.locator("p")).to_have_text(
        "Фотографий, выбранных раньше и ещё не отправленных: 2.")
    expect(page.locator("#picked li")).to_have_count(2)
    expect(page.locator("#first_name")).to_have_value(NAME)  # the answers came back too
    page.screenshot(path=shots / "4-after-reload-ru.png")
    resume.get_by_role("button", name="Доотправить их").click()
    for index in range(2):
        expect(page.locator("#picked li").nth(index)).to_have_class(
            re.compile(r"\bdone\b"), timeout=60_000)
    resent = proxy.sent_up - before - total
    print(f"sent {proxy.sent_up - before:,} bytes for {total:,}: {resent:,} more")
    # The second photo went on from the server's offset, not from zero (which would cost
    # 1.5 MB more): at most the piece in flight at the reload went twice, once from the old
    # page's socket and once from the new page, plus the requests' headers.
    assert resent <= CHUNK_BYTES + 64 * 1024
    mine = page.locator("#mine a").get_attribute("href")
    rows = _photo_rows(live_server)
    assert len(rows) == 3 and len({row.visit_id for row in rows}) == 1
    assert [row.caption for row in rows] == ["Первая", "Вторая", "Третья"]
    listing = page.context.new_page()
    listing.goto(mine)
    expect(listing.locator("h1")).to_have_text("Мои фотографии")
    for row in rows:
        expect(listing.locator(f"#photo-{row.code}")).to_contain_text("Ждёт организатора")
    listing.screenshot(path=shots / "5-my-photos-ru.png", full_page=True)


def test_twenty_five_photos_at_once_are_refused_and_nothing_is_stored(live_server, phone,
                                                                     tmp_path):
    invite = _invite(live_server)
    paths = []
    for n in range(25):
        path = tmp_path / f"IMG_{n:04d}.jpg"
        path.write_bytes(noise_jpeg((40, 30), seed=100 + n))
        paths.append(str(path))
    page = phone("ru").new_page()
    page.goto(f"{live_server.url}/upload?code={invite}")
    _fill(page)
    page.set_input_files("#photos", paths)
    expect(page.locator("#photos-error")).to_have_text(
        "Выбрано фотографий: 25, а за один раз можно отправить не больше 20. "
        "Отправьте сначала 20, а остальные потом.")
    expect(page.locator("#picked li")).to_have_count(0)
    page.locator("#send").click()
    expect(page.locator("#photos-error")).to_have_text("Выберите хотя бы одну фотографию.")
    with live_server.app_context():
        assert db.session().scalar(select(func.count()).select_from(Photo)) == 0
        assert db.session().scalar(select(func.count()).select_from(PartialUpload)) == 0


def test_the_form_works_end_to_end_without_javascript(live_server, browser, tmp_path, shots):
    invite = _invite(live_server)
    paths = _files(tmp_path, [(320, 240), (320, 240)])
    context = browser.new_context(java_script_enabled=False, locale="ru-RU",
                                  viewport={"width": 390, "height": 844},
                                  extra_http_headers={"Accept-Language": "ru"})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/upload?code={invite}")
        expect(page.locator("#group-line")).to_have_text("Группа: Молодёжный клуб, Волгоград")
        page.locator("#first_name").fill(NAME)
        page.check("input[name=age_band][value='16-17']")
        page.check("input[name=consent_self]")
        page.check("input[name=consent_guardian]")  # shown to everyone without the script
        page.check("input[name=terms]")
        page.set_input_files("#photos", paths)
        page.locator("#caption").fill("Волга")
        page.locator("#send").click()
        expect(page.locator("h1")).to_have_text("Спасибо! Ваши фотографии получены.")
        rows = _photo_rows(live_server)
        assert len(rows) == 2 and {row.caption for row in rows} == {"Волга"}
        for row in rows:
            expect(page.locator(f".receipt[data-code='{row.code}']")).to_be_visible()
        page.screenshot(path=shots / "6-no-js-receipts-ru.png", full_page=True)
        page.goto(page.locator(".mine-link a").get_attribute("href"))
        for row in rows:
            expect(page.locator(f"#photo-{row.code}")).to_be_visible()
        page.locator(f"#photo-{rows[0].code}").get_by_role("link", name="Отозвать…").click()
        page.get_by_role("button", name="Отозвать эту фотографию").click()
        expect(page.locator(f"#photo-{rows[0].code}")).to_contain_text("Отозвана")
        expect(page.locator(f"#photo-{rows[1].code}")).to_contain_text("Ждёт организатора")
    finally:
        context.close()


class _FullDisk:
    """The live server's store, except that writes fail with ENOSPC while full is set."""

    def __init__(self, store) -> None:
        self.store, self.full = store, True

    def put(self, key, data, content_type, **options):
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.store.put(key, data, content_type, **options)

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_503_from_our_side_is_waited_out_like_a_lost_signal(live_server, phone, tmp_path):
    invite = _invite(live_server)
    path = _files(tmp_path, [(320, 240)])[0]
    disk = _FullDisk(live_server.app.extensions[STORE])
    live_server.app.extensions[STORE] = disk
    page = phone("en").new_page()
    page.goto(f"{live_server.url}/upload?code={invite}")
    _fill(page)
    page.set_input_files("#photos", [path])
    page.locator("#send").click()
    card = page.locator("#picked li").first
    expect(card.locator(".state")).to_have_text("Waiting for our server…")
    expect(page.locator("#status-line")).to_contain_text(
        "Something is wrong on our side, not with your photos. 0 of 1 sent")
    expect(card).not_to_have_class(re.compile(r"\bfailed\b"))
    disk.full = False  # the disk has room again: the page goes on without a tap
    expect(card).to_have_class(re.compile(r"\bdone\b"), timeout=40_000)
    assert len(_photo_rows(live_server)) == 1
