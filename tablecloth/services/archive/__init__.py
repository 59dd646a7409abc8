"""The archive that outlives the app: a BagIt bag of every photo, city, group, cloth and export.

Layout of the bag (every payload file listed with its SHA-256 in manifest-sha256.txt):

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/README.txt                     what is here, in plain words
    data/cities.json  data/groups.json
    data/photos.csv                     one row per photo, any state
    data/photos/<CODE>/metadata.json    the photo's row and its files' checksums
    data/photos/<CODE>/master.jpg, web.jpg, thumb.jpg   (not for withdrawn photos)
    data/cloths/<edition>/settings.json, items.json (codes in order)
    data/cloths/<edition>/exports/<id>/export.json, report.json and the exported files

Privacy: organisers' accounts and password hashes are not archived. A withdrawn photo keeps
only what reserves its code (code, state, city, group, times): no files, name, caption or
fingerprint of the image. Proof sheets (formats whose registry entry says ``proof``) that show
a withdrawn photo's thumbnail are left out.

Rooms: ``bag`` the BagIt folder and its zip, ``records`` the schema of each row both ways,
``write`` the archive, ``restore`` a site from one.
"""

from __future__ import annotations

from .bag import ArchiveError, zip_bag
from .restore import RestoreSummary, restore
from .write import ArchiveSummary, build_zip, write_bag

__all__ = ["ArchiveError", "ArchiveSummary", "RestoreSummary", "build_zip", "restore",
           "write_bag", "zip_bag"]
