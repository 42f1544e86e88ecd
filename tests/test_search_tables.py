"""The retriever's lexical tables, saved beside an index so that a new process need not build them."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from onboard import api
from onboard.config import Settings
from onboard.retrieve.hybrid import Retriever
from onboard.store.layout import SEARCH_TABLES
from tests.conftest import write_files

FILES = {
    "shop/cart.py": 'def add_item(cart, item):\n    """Put one item in the cart."""\n    cart.append(item)\n',
    "shop/pricing.py": ("SETTINGS = {'tax.rate': 0.2}\n\n\ndef total(cart):\n"
                        "    if not cart:\n        raise ValueError('an empty cart has no total price')\n"
                        "    return sum(i.price for i in cart) * (1 + SETTINGS['tax.rate'])\n"),
    "docs/guide.md": "# Guide\n\nThe cart holds items; pricing adds the tax rate.\n",
}
QUESTIONS = ("How is the total price of a cart computed?", "What does 'tax.rate' change?",
             "Why do I get 'an empty cart has no total price'?")
# ranks in a new process, as `onboard ask` does, and says whether its tables came from the index directory
NEW_PROCESS = """
import json, sys
from onboard import api
from onboard.config import Settings
from onboard.retrieve import retriever_for
retriever = retriever_for(api.open_index("shop", Settings.from_env(home=sys.argv[1])))
print(json.dumps([retriever.tables_loaded] + [[[r.path, round(r.score, 6), r.reasons] for r in retriever.rank(q)]
                                              for q in sys.argv[2:]]))
"""


def ranked_in_a_new_process(settings: Settings) -> tuple[bool, list]:
    done = subprocess.run([sys.executable, "-c", NEW_PROCESS, str(settings.home), *QUESTIONS], capture_output=True,
                          text=True, timeout=120, check=True)
    loaded, *rankings = json.loads(done.stdout)
    return loaded, rankings


@pytest.fixture
def shop(tmp_path: Path, settings: Settings) -> api.Index:
    api.index_repo(write_files(tmp_path / "repo", FILES), "shop", settings, embed=False)
    return api.open_index("shop", settings)


def test_a_new_process_ranks_from_the_tables_the_first_one_saved(shop: api.Index, settings: Settings) -> None:
    first_loaded, first = ranked_in_a_new_process(settings)
    assert not first_loaded and (shop.directory / SEARCH_TABLES).is_file()
    later_loaded, later = ranked_in_a_new_process(settings)
    assert later_loaded and later == first
    assert first[0][0][0] == "shop/pricing.py"
    assert "defines the string 'tax.rate'" in first[1][0][2]
    assert "emits a message quoted in the question" in first[2][0][2]


def test_a_reindex_builds_new_tables(shop: api.Index, settings: Settings, tmp_path: Path) -> None:
    Retriever(shop)
    (tmp_path / "repo" / "shop" / "coupons.py").write_text("def apply_coupon(cart, code):\n    return cart\n")
    api.reindex("shop", settings, embed=False)
    retriever = Retriever(api.open_index("shop", settings))
    assert not retriever.tables_loaded
    assert retriever.rank("Where is a coupon applied?")[0].path == "shop/coupons.py"
    assert Retriever(api.open_index("shop", settings)).tables_loaded


@pytest.mark.parametrize("damage", ["garbage", "truncated", "pickled", "foreign key"])
def test_damaged_tables_are_built_again_and_replaced(shop: api.Index, settings: Settings, damage: str) -> None:
    """Nothing in the file runs (no pickles), and a file that cannot be used costs a rebuild, not an answer."""
    expected = [(r.path, r.score) for r in Retriever(shop).rank(QUESTIONS[0])]
    tables = shop.directory / SEARCH_TABLES
    if damage == "garbage":
        tables.write_bytes(b"\x00not a numpy file" * 50)
    elif damage == "truncated":
        tables.write_bytes(tables.read_bytes()[:2000])
    elif damage == "pickled":
        with zipfile.ZipFile(tables) as stored:
            key = np.load(stored.open("key.npy"))
        with open(tables, "wb") as out:
            np.savez(out, key=key, **{"chunks.terms": np.array([{"payload": 1}], dtype=object)})
    else:
        with open(tables, "wb") as out:
            np.savez(out, key=np.array("another index"))
    retriever = Retriever(shop)
    assert not retriever.tables_loaded
    assert [(r.path, r.score) for r in retriever.rank(QUESTIONS[0])] == expected
    assert Retriever(shop).tables_loaded


def test_remove_deletes_the_tables_with_the_index(shop: api.Index, settings: Settings) -> None:
    Retriever(shop)
    assert (shop.directory / SEARCH_TABLES).is_file()
    shop.close()
    assert api.remove_index("shop", settings) == []
    assert not shop.directory.exists()
