"""The collect loop in real Chromium: upload on a phone in Russian, approve, view, withdraw."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tablecloth.context import site
from tablecloth.services import accounts, groups

pytestmark = pytest.mark.browser

PHOTOS = ("jpg_gps_DSCN0010.jpg", "jpg_orientation_portrait_8.jpg")
CAPTIONS = ("Мамаев курган на рассвете", "Набережная после дождя")
NAME = "Аня"
EMAIL = "organiser@example.org"
PASSWORD = "a long organiser password"
# Slow the phone's uplink so every photo's progress bar is seen moving, as on mobile data.
UPLINK_BYTES_PER_S = 96 * 1024

# Record every change of every progress bar under #picked: which card, its value, visibility.
RECORD_PROGRESS = """
window.__progress = [];
new MutationObserver((records) => {
  for (const record of records) {
    const bar = record.target;
    if (bar.tagName !== "PROGRESS") continue;
    const cards = Array.from(document.querySelectorAll("#picked li"));
    window.__progress.push({
      card: cards.indexOf(bar.closest("li")),
      value: bar.hasAttribute("value") ? bar.value : null,
      visible: !bar.hidden && bar.getClientRects().length > 0,
    });
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["value", "hidden"]});
"""


def test_photos_go_from_a_phone_to_the_cloth_and_can_be_withdrawn(
    live_server, phone, laptop, corpus, shots
):
    url = live_server.url
    with live_server.app_context():
        club = groups.create_group(site(), "Молодёжный клуб",
                                   groups.city_by_slug(site(), "volgograd"))
        invite = club.invite_code
        accounts.create_organiser(site(), EMAIL, PASSWORD)

    # 1. A participant sends two photos from a phone set to Russian.
    participant = phone("ru")
    page = participant.new_page()
    page.add_init_script(RECORD_PROGRESS)
    uplink = participant.new_cdp_session(page)
    uplink.send("Network.enable")
    uplink.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 40,
        "downloadThroughput": -1, "uploadThroughput": UPLINK_BYTES_PER_S,
    })
    page.goto(f"{url}/upload?code={invite}")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text("Отправить фотографии")
    expect(page.get_by_label("Код приглашения")).to_have_value(invite)
    # The invite code says the city: nobody is asked for it.
    expect(page.locator("#group-line")).to_have_text("Группа: Молодёжный клуб, Волгоград")
    page.get_by_label("Имя или никнейм").fill(NAME)
    page.check("input[name=age_band][value='16-17']")
    page.check("input[name=consent_self]")
    # A minor in Russia: the guardian's consent appears and is needed.
    expect(page.locator("#guardian")).to_be_visible()
    page.check("input[name=consent_guardian]")
    page.check("input[name=terms]")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=shots / "1-upload-top.png")
    page.set_input_files("#photos", [str(corpus / name) for name in PHOTOS])
    cards = page.locator("#picked li")
    expect(cards).to_have_count(2)
    for index, caption in enumerate(CAPTIONS):
        cards.nth(index).locator("textarea").fill(caption)
    for index in range(2):
        expect(cards.nth(index).locator("img.preview")).to_have_js_property("complete", True)
    page.screenshot(path=shots / "1-upload-form-ru.png", full_page=True)
    page.locator("#send").scroll_into_view_if_needed()
    page.screenshot(path=shots / "1-upload-picked.png")

    page.get_by_role("button", name="Отправить фотографии").click()
    # While the first photo travels, its bar is on screen part-way.
    page.wait_for_function(
        "() => window.__progress.some(p => p.card === 0 && p.visible && p.value > 0 && p.value < 1)"
    )
    cards.nth(0).scroll_into_view_if_needed()
    # Nothing to retry or remove while a photo is on its way.
    expect(cards.nth(0).get_by_role("button", name="Попробовать ещё раз")).to_be_hidden()
    expect(cards.nth(0).get_by_role("button", name="Убрать")).to_be_hidden()
    page.screenshot(path=shots / "2-progress.png")
    receipts = page.locator("#receipt-list .receipt")
    expect(receipts).to_have_count(2, timeout=60_000)
    expect(page.locator("#receipts")).to_be_visible()
    expect(page.locator("#receipts h2")).to_have_text("Ваши квитанции")
    page.screenshot(path=shots / "3-receipts.png", full_page=True)
    page.locator("#receipts").screenshot(path=shots / "3-receipt-cards.png")

    progress = page.evaluate("window.__progress")
    for card in (0, 1):
        seen = [p for p in progress if p["card"] == card]
        assert any(p["visible"] and 0 < (p["value"] or 0) < 1 for p in seen), seen
        assert any(p["value"] == 1 for p in seen), f"card {card} never reached 100%: {seen}"
    codes = receipts.locator(".receipt-code strong").all_inner_texts()
    links = [receipts.nth(i).locator(".receipt-link a").get_attribute("href") for i in range(2)]
    assert len(set(codes)) == 2 and all(len(code) == 6 for code in codes), codes
    assert all(link.startswith(url + "/upload/withdraw/") for link in links), links
    for index, code in enumerate(codes):
        expect(cards.nth(index).locator(".state")).to_contain_text(code)

    # 2. Before review nothing of the photo is public.
    viewer = phone("ru").new_page()
    waiting = viewer.goto(f"{url}/P/{codes[0]}")
    assert waiting.status == 404
    expect(viewer.locator("body")).not_to_contain_text(NAME)
    expect(viewer.locator("img")).to_have_count(0)

    # 3. An organiser logs in and approves both from the queue.
    desk = laptop.new_page()
    desk.goto(f"{url}/organiser/moderation")
    desk.get_by_label("E-mail").fill(EMAIL)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    expect(desk).to_have_url(f"{url}/organiser/moderation")
    for code in codes:
        expect(desk.locator(f"#photo-{code}")).to_contain_text(NAME)
    desk.screenshot(path=shots / "4-moderation.png", full_page=True)
    for code in codes:
        desk.locator(f"#photo-{code}").get_by_role("button", name="Approve").click()
        expect(desk.locator(".flash").first).to_contain_text(code)
    expect(desk.locator("#photo-" + codes[0])).to_have_count(0)  # gone from the pending queue

    # 4. Anyone who scans a code sees the photo: any case of the printed URL works.
    for index, code in enumerate(codes):
        path = f"/P/{code}" if index == 0 else f"/p/{code.lower()}"
        shown = viewer.goto(url + path)
        assert shown.status == 200
        expect(viewer.locator("figcaption")).to_contain_text(CAPTIONS[index])
        expect(viewer.locator("figcaption")).to_contain_text(f"{NAME} · Волгоград / Volgograd")
        image = viewer.locator("figure img")
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0
        viewer.screenshot(path=shots / f"5-photo-page-{index + 1}.png")

    # 5. The participant withdraws the first photo through the receipt's private link.
    page.goto(links[0])
    expect(page.locator("h1")).to_have_text("Отозвать фотографию?")
    page.get_by_role("button", name="Отозвать эту фотографию").click()
    expect(page.locator("h1")).to_have_text("Ваша фотография отозвана")
    page.screenshot(path=shots / "6-withdrawn.png", full_page=True)

    gone = viewer.goto(f"{url}/P/{codes[0]}")
    assert gone.status == 410
    expect(viewer.locator("body")).to_contain_text("Автор отозвал эту фотографию")
    expect(viewer.locator("body")).to_contain_text("This photo was withdrawn by its author")
    expect(viewer.locator("body")).not_to_contain_text(CAPTIONS[0])
    expect(viewer.locator("img")).to_have_count(0)
    viewer.screenshot(path=shots / "7-gone-410.png", full_page=True)
    # The other photo is untouched.
    assert viewer.goto(f"{url}/P/{codes[1]}").status == 200
