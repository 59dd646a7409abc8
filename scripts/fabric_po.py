"""Write the Russian catalogue of the fabric area (printers, pieces, swatch, names) from a table.

Run after adding a string: .venv/bin/python scripts/fabric_po.py
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

OUT = Path(__file__).resolve().parent.parent / "tablecloth/translations/fabric/ru/LC_MESSAGES"

RU = {
    # messages.py: refusals
    "A JPEG of %(width)s × %(height)s pixels is too large (JPEG stops at %(most)s pixels a "
    "side, and we stop at 400 megapixels): send PNG or TIFF, or split the cloth into panels.":
        "JPEG размером %(width)s × %(height)s пикселей слишком велик (в JPEG не больше "
        "%(most)s пикселей по стороне, а мы останавливаемся на 400 мегапикселях): отправьте "
        "PNG или TIFF или разделите скатерть на полотна.",
    "Unknown printer preset %(name)s; choose from %(choices)s.":
        "Неизвестный тип принтера %(name)s; доступны: %(choices)s.",
    "This printer takes %(choices)s files, not %(format)s: choose one of those formats, or "
    "another printer preset.":
        "Этот принтер принимает файлы %(choices)s, а не %(format)s: выберите один из этих "
        "форматов или другой тип принтера.",
    "This printer takes files at %(choices)s ppi, not %(ppi)s ppi.":
        "Этот принтер принимает файлы с разрешением %(choices)s ppi, а не %(ppi)s ppi.",
    "The roll width is set to %(mm)s mm, but this kind of printer prints at most %(most)s mm "
    "wide: set the roll width to your shop's printable width.":
        "Ширина рулона — %(mm)s мм, а такой принтер печатает не шире %(most)s мм: укажите "
        "ширину печати вашей типографии.",
    "The roll width is set to %(mm)s mm, narrower than this kind of printer's %(least)s mm: "
    "set the roll width to your shop's printable width.":
        "Ширина рулона — %(mm)s мм, это меньше, чем %(least)s мм у такого принтера: укажите "
        "ширину печати вашей типографии.",
    "The bleed is %(mm)s mm; wide-format fabric shops ask for %(least)s to %(most)s mm, "
    "because fabric moves on the press: set the bleed in the print settings.":
        "Вылет — %(mm)s мм; широкоформатные типографии просят от %(least)s до %(most)s мм, "
        "потому что ткань смещается при печати: измените вылет в настройках печати.",
    "Each panel would be %(m)s m long, and PDF pages stop at %(most)s m: choose a shorter "
    "cloth, or the online roll printer preset, which splits long panels.":
        "Каждое полотно было бы длиной %(m)s м, а страница PDF не длиннее %(most)s м: "
        "выберите скатерть короче или онлайн-печать на рулоне, где длинные полотна "
        "делятся на части.",
    "A panel would be %(px)s pixels wide, more than this printer's %(most)s: choose 150 ppi "
    "or a narrower roll.":
        "Полотно было бы шириной %(px)s пикселей — больше, чем %(most)s у этого принтера: "
        "выберите 150 ppi или рулон уже.",
    "%(file)s is %(mb)s MB, and this kind of printer takes files of at most %(most)s MB: "
    "choose PNG instead of JPEG or TIFF, 150 ppi, or a narrower roll.":
        "Файл %(file)s весит %(mb)s МБ, а такой принтер принимает не больше %(most)s МБ: "
        "выберите PNG вместо JPEG или TIFF, 150 ppi или рулон уже.",
    "Sheets can be %(choices)s, not %(paper)s.":
        "Листы могут быть %(choices)s, но не %(paper)s.",
    "%(count)s sample codes do not fit on a 300 mm swatch: choose a smaller module size.":
        "Пробных кодов (%(count)s) слишком много для образца 300 мм: выберите модуль "
        "поменьше.",
    "The test swatch did not pass its check, so it was not kept: %(summary)s":
        "Пробный образец не прошёл проверку и не сохранён: %(summary)s",
    "The cloth cannot be cut into pieces of %(mm)s mm: one code with its label is larger. "
    "Choose a larger sheet or roll, or smaller modules.":
        "Скатерть нельзя разрезать на части по %(mm)s мм: один код с подписью больше. "
        "Выберите лист или рулон побольше или модуль поменьше.",
    "A name in the other script can have at most %(count)s characters.":
        "Имя в другой письменности может быть не длиннее %(count)s знаков.",
    # names: templates/organiser/moderation.html, web/organiser/names.py
    "On the cloth also as": "На скатерти также как",
    "On the cloth: %(label)s": "На скатерти: %(label)s",
    # printers.py
    "Online roll printer": "Онлайн-печать на рулоне",
    "Print-on-demand fabric shops that take image files by upload: PNG, TIFF or JPG at "
    "150 ppi in sRGB, one width of fabric a file.":
        "Онлайн-сервисы печати на ткани, куда загружают изображения: PNG, TIFF или JPG, "
        "150 ppi, sRGB, один файл на одну ширину ткани.",
    "Wide-format print shop (PDF)": "Широкоформатная типография (PDF)",
    "A print shop with a wide textile printer that takes print-ready PDF: PDF/X-4 with trim "
    "and bleed boxes, fabric bleed 50-100 mm, rolls up to 3.2 m.":
        "Типография с широким текстильным принтером, принимающая готовый к печати PDF: "
        "PDF/X-4 с рамками обреза и вылета, вылет на ткани 50–100 мм, рулон до 3,2 м.",
    "Office test print (A4)": "Пробная печать в офисе (A4)",
    "Your own printer: the cloth at actual size on A4 sheets with marks to tape them "
    "together, to check sizes and scan the codes before paying for fabric.":
        "Ваш собственный принтер: скатерть в натуральную величину на листах A4 с метками "
        "для склейки — чтобы проверить размеры и отсканировать коды до оплаты ткани.",
    "Office test print (A3)": "Пробная печать в офисе (A3)",
    "The same on A3 sheets, for a printer that takes A3: fewer sheets to join.":
        "То же на листах A3, для принтера формата A3: меньше листов склеивать.",
    # render/formats.py
    "JPEG (raster, for online printers that ask for JPG)":
        "JPEG (растр, для онлайн-печати, где просят JPG)",
    "Office test print (A4 sheets at 1:1, to tape together)":
        "Пробная печать в офисе (листы A4 в масштабе 1:1, склеить)",
    # templates/organiser/cloth.html
    "Files too long for it are split into lengths, one file each.":
        "Слишком длинные для него файлы делятся на части, по файлу на часть.",
    "For: %(printer)s.": "Для: %(printer)s.",
    "Test swatch": "Пробный образец",
    "Before ordering the cloth, have the shop print a test swatch on the same fabric: codes "
    "at the cloth's module size and around it, in its colours. Scan each code with a phone; "
    "every one that opens is recorded here.":
        "Прежде чем заказывать скатерть, попросите типографию напечатать пробный образец на "
        "той же ткани: коды с модулем скатерти и соседних размеров, в её цветах. "
        "Отсканируйте каждый код телефоном; каждый открывшийся код отмечается здесь.",
    "Module size": "Размер модуля",
    "Read on fabric": "Прочитан на ткани",
    "%(mm)s mm": "%(mm)s мм",
    "(this cloth)": "(эта скатерть)",
    "confirmed": "подтверждён",
    "not yet": "ещё нет",
    "Recommended: %(mm)s mm modules, the smallest size that read on your fabric.":
        "Рекомендуем модуль %(mm)s мм — самый маленький размер, прочитанный на вашей ткани.",
    "The cloth's own size has not read yet: consider larger modules.":
        "Размер модуля этой скатерти ещё не прочитан: подумайте о модуле побольше.",
    "Smaller modules fit more codes on the same cloth.":
        "С модулем поменьше на той же скатерти помещается больше кодов.",
    "No code of a swatch has been read yet.": "Ни один код образца ещё не прочитан.",
    "Fabric or shop (for your records)": "Ткань или типография (для себя)",
    "Draft: allow a test address (scans cannot be recorded from a real print)":
        "Черновик: разрешить тестовый адрес (сканирование настоящего отпечатка не "
        "запишется)",
    "Make a test swatch": "Сделать пробный образец",
    "Swatch %(n)d of %(date)s": "Образец %(n)d от %(date)s",
    "codes read: %(read)d of %(total)d": "прочитано кодов: %(read)d из %(total)d",
    "Printer": "Принтер",
    "No preset: I set the roll width and bleed myself":
        "Без типа: ширину рулона и вылет я задаю сам(а)",
    "Choosing a printer sets the roll width, bleed and shrinkage it wants, offers only the "
    "files it takes, and splits or refuses what it would reject. See “Printing the cloth” "
    "in the README.":
        "Выбор принтера задаёт нужные ему ширину рулона, вылет и припуск на усадку, "
        "предлагает только принимаемые им файлы и делит или отклоняет то, что он не примет. "
        "См. раздел «Printing the cloth» в README.",
    # web/organiser/swatches.py
    "Test swatch %(n)d is ready: every code on it decodes. Download it below and send it to "
    "your printer with the cloth's fabric.":
        "Пробный образец %(n)d готов: все коды на нём читаются. Скачайте его ниже и "
        "отправьте в типографию вместе с выбором ткани для скатерти.",
    # web/viewer/swatch.py
    "Not a test swatch code": "Это не код пробного образца",
    "This code is not on any test swatch of this site.":
        "Этого кода нет ни на одном пробном образце этого сайта.",
    "Read: this code works on your fabric": "Прочитано: этот код работает на вашей ткани",
    "The %(mm)s mm code (%(dark)s on %(light)s) of test swatch %(n)s opened on this phone, "
    "and that is now recorded. Scan the other codes too; the cloth designer then recommends "
    "the smallest size that read.":
        "Код с модулем %(mm)s мм (%(dark)s на %(light)s) с пробного образца %(n)s открылся "
        "на этом телефоне, и это записано. Отсканируйте и остальные коды: конструктор "
        "скатерти порекомендует самый маленький прочитанный размер.",
}


def main() -> None:
    catalog = Catalog(locale="ru", project="tablecloth", fuzzy=False, header_comment=(
        "# Russian strings of the fabric area: printer presets, pieces, the test swatch, "
        "names in both scripts.\n# Written by scripts/fabric_po.py."))
    for msgid, msgstr in RU.items():
        catalog.add(msgid, msgstr, flags=("python-format",) if "%(" in msgid else ())
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "messages.po").open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main()
