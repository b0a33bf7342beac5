"""Tests of `aligner review` (aligner/review/): the band, the page, the server, and the page in headless chromium."""

import http.client
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from aligner.alignment import Alignment, Bead, Unaligned
from aligner.errors import InputError
from aligner.formats import dumps, read
from aligner.review import Band, ReviewServer, band_of_matrix, review_page, write_atomically

from _browser import NO_CHROMIUM, chrome, chromium_binary

ROOT = Path(__file__).resolve().parent.parent
FR = ROOT / "seeds" / "ankara.fr.txt"
AR = ROOT / "seeds" / "ankara.ar.txt"
HOSTILE = ["Hello <script>window.pwned = 1</script> world.", '"><img src=x onerror="window.pwned = 2">', "Fine."]


def small():
    tgt = ["Bonjour le monde.", "Deux.", "Trois.", "Quatre."]
    beads = [Bead((0,), (0,), 0.4), Bead((1, 2), (1,), 0.1), Bead((), (2,), 0.0), Bead((), (3,), 0.0)]
    unaligned = [Unaligned("target", 3, 2, 0.1, "no match above the threshold")]
    return Alignment(HOSTILE, tgt, beads, "en", "fr", {"signature": "aligner:x|enc:<fake>"}, unaligned=unaligned)


# ------------------------------------------------------------ the band

def test_band_of_matrix_pinned():
    a = Alignment(["a", "b", "c"], ["x", "y"], [Bead((0,), (0,), 0.5), Bead((1, 2), (1,), 0.2)])
    sim = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]], dtype=np.float32)
    band = band_of_matrix(a, sim, width=1)
    # Three columns a row, starting where the path puts the row, kept inside the two targets.
    assert band.start.tolist() == [0, 0, 0]
    assert band.values.shape == (3, 3)
    assert band.width == 1
    assert band.lo == pytest.approx(np.percentile(sim, 1.0))
    assert band.hi == pytest.approx(np.percentile(sim, 99.9))
    q = lambda x: int(np.clip(round((x - band.lo) / (band.hi - band.lo) * 255), 0, 255))  # noqa: E731
    assert band.values[:, :2].tolist() == [[q(0.9), q(0.1)], [q(0.2), q(0.8)], [q(0.3), q(0.7)]]
    assert band.values[:, 2].tolist() == [0, 0, 0]  # past the last target sentence
    assert band.gap == q(np.percentile(sim, 25.0))


def test_band_follows_the_path():
    n = 40
    a = Alignment([f"s{i}" for i in range(n)], [f"t{i}" for i in range(n)], [Bead((i,), (i,), 0.5) for i in range(n)])
    band = band_of_matrix(a, np.eye(n, dtype=np.float32), width=3)
    assert band.start.tolist() == [min(max(i - 3, 0), n - 7) for i in range(n)]
    # The diagonal is the brightest cell of each row.
    cols = band.start[:, None] + np.arange(7)[None, :]
    assert all(cols[i, band.values[i].argmax()] == i for i in range(n))


def test_band_bad_matrix():
    with pytest.raises(InputError, match=r"shape \(3, 4\)"):
        band_of_matrix(small(), np.zeros((2, 2)))
    with pytest.raises(InputError, match="NaN"):
        band_of_matrix(small(), np.full((3, 4), np.nan))


# ------------------------------------------------------------ the page

def page_data(page):
    start = page.index('<script id="aligner-data" type="application/json">') + len(
        '<script id="aligner-data" type="application/json">')
    return json.loads(page[start:page.index("</script>", start)])


def test_page_holds_the_alignment_as_inert_json():
    a = small()
    page = review_page(a, similarity=np.ones((3, 4), dtype=np.float32) * 0.5, filename="out.json")
    body = page[page.index('<script id="aligner-data"'):]
    # No sentence can end the data element or open markup: "<" is never raw in the data.
    data_text = body[:body.index("</script>")]
    assert "<script>" not in data_text[10:] and "<img" not in data_text
    data = page_data(page)
    assert data["source_sentences"] == HOSTILE
    assert [b["source"] for b in data["beads"]] == [[0], [1, 2], [], []]
    assert data["filename"] == "out.json" and data["save_url"] is None
    assert data["band"]["span"] == 25 and data["band"]["start"] == [0, 0, 0]
    assert data["unaligned"] == [{"side": "target", "id": 3, "best": 2, "score": 0.1,
                                  "reason": "no match above the threshold"}]
    assert "Content-Security-Policy" in page and "Download JSON" in page
    assert "http://" not in page.replace("http-equiv", "") and "https://" not in page  # nothing fetched


def test_page_without_matrix():
    data = page_data(review_page(small()))
    assert data["band"] is None


def test_write_atomically(tmp_path):
    target = tmp_path / "x.json"
    write_atomically(target, "one")
    write_atomically(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temporary file left


# ------------------------------------------------------------ the server

def edited_json(a):
    """The JSON the page would post after splitting bead 1 into 1-1 + 1-0."""
    beads = [a.beads[0], Bead((1,), (1,), 0.0, True), Bead((2,), (), 0.0, True), *a.beads[2:]]
    return dumps(Alignment(a.source_sentences, a.target_sentences, beads, a.source_lang, a.target_lang,
                           a.metadata), "json")


def post(server, body, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    base = {"Host": f"127.0.0.1:{server.port}", "Origin": f"http://127.0.0.1:{server.port}",
            "Content-Type": "application/json", "X-Aligner-Token": server.token}
    base.update(headers)
    conn.request("POST", "/save", body=body.encode("utf-8"), headers={k: v for k, v in base.items() if v is not None})
    r = conn.getresponse()
    answer = r.status, json.loads(r.read() or b"{}")
    conn.close()
    return answer


def test_server_saves_checked_json(tmp_path):
    a = small()
    out = tmp_path / "out.json"
    with ReviewServer(a, out) as server:
        assert server.httpd.server_address[0] == "127.0.0.1"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/")
        r = conn.getresponse()
        page = r.read().decode("utf-8")
        assert r.status == 200 and page_data(page)["save_url"] == "/save"
        assert page_data(page)["token"] == server.token
        conn.close()
        status, answer = post(server, edited_json(a))
        assert (status, answer) == (200, {"saved": str(out), "beads": 5, "edited": 2})
        saved = read(out, "json")
        assert [b.edited for b in saved.beads] == [False, True, True, False, False]
        assert saved.beads[0].score == 0.4 and saved.source_sentences == a.source_sentences
        assert server.saves == 1


@pytest.mark.parametrize("headers, status", [
    ({"Origin": None}, 403),
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Host": "evil.example"}, 403),  # DNS rebinding: another name pointing here
    ({"X-Aligner-Token": "guess"}, 403),
    ({"X-Aligner-Token": None}, 403),
    ({"Content-Type": "text/plain"}, 415),
])
def test_server_refuses_other_origins(tmp_path, headers, status):
    out = tmp_path / "out.json"
    with ReviewServer(small(), out) as server:
        got, answer = post(server, edited_json(small()), **headers)
    assert got == status and "error" in answer
    assert not out.exists()


def test_server_refuses_bad_alignments(tmp_path):
    a = small()
    out = tmp_path / "out.json"
    out.write_text("before", encoding="utf-8")
    doc = json.loads(dumps(a, "json"))
    with ReviewServer(a, out) as server:
        missing = dict(doc, beads=doc["beads"][:-1])  # target sentence 3 in no bead
        status, answer = post(server, json.dumps(missing))
        assert status == 400 and "target sentence 3 is in no bead" in answer["error"]
        twice = dict(doc, beads=[*doc["beads"], {"source": [], "target": [3], "score": 0}])
        status, answer = post(server, json.dumps(twice))
        assert status == 400 and "target sentence 3" in answer["error"]
        other = dict(doc, source_sentences=["changed", *doc["source_sentences"][1:]])
        status, answer = post(server, json.dumps(other))
        assert status == 400 and "differ" in answer["error"]
        status, answer = post(server, "{not json")
        assert status == 400 and "invalid JSON" in answer["error"]
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("OPTIONS", "/save", headers={"Origin": "http://evil.example"})
        assert conn.getresponse().status == 405  # no CORS preflight answered
        conn.close()
    assert out.read_text(encoding="utf-8") == "before"


def test_server_says_when_it_cannot_write(tmp_path, monkeypatch):
    """A save the disk refuses: 500 naming the file and why, the old file kept, no temporary file left."""
    import errno

    from aligner import _fs

    def full(path, data):
        Path(path).write_bytes(data[:1])  # a write cut short, as on a full disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    out = tmp_path / "out.json"
    out.write_text("before", encoding="utf-8")
    monkeypatch.setattr(_fs, "write_new", full)
    with ReviewServer(small(), out) as server:
        status, answer = post(server, edited_json(small()))
        assert server.saves == 0
    assert (status, answer) == (500, {"error": f"cannot write {str(out)!r}: No space left on device"})
    assert out.read_text(encoding="utf-8") == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_server_needs_an_existing_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        ReviewServer(small(), tmp_path / "nowhere" / "out.json")


# ------------------------------------------------------------ the command line

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "aligner", *map(str, args)], cwd=ROOT, capture_output=True,
                          timeout=300)


def test_cli_review_from_json(tmp_path):
    (tmp_path / "a.json").write_text(dumps(small(), "json"), encoding="utf-8")
    proc = run_cli("review", "--from-json", tmp_path / "a.json", "--no-matrix", "-o", tmp_path / "fixed.json")
    assert proc.returncode == 0, proc.stderr.decode()
    page = (tmp_path / "fixed.review.html").read_text(encoding="utf-8")
    data = page_data(page)
    assert data["filename"] == "fixed.json" and data["source_sentences"] == HOSTILE and data["band"] is None
    assert "fixed.review.html" in proc.stderr.decode()


def test_cli_review_errors(tmp_path):
    proc = run_cli("review", FR, "-o", tmp_path / "x.json")
    assert proc.returncode == 2 and "give the two documents" in proc.stderr.decode()
    proc = run_cli("review", FR, AR, "--serve", "--page", tmp_path / "p.html", "-o", tmp_path / "x.json")
    assert proc.returncode == 2 and "--page" in proc.stderr.decode()


def test_cli_review_serve_until_interrupted(tmp_path):
    """--serve: the address on stderr, saves written, Ctrl-C (SIGINT) ends it cleanly."""
    import signal

    (tmp_path / "a.json").write_text(dumps(small(), "json"), encoding="utf-8")
    out = tmp_path / "fixed.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "aligner", "review", "--from-json", str(tmp_path / "a.json"), "--no-matrix",
         "--serve", "-o", str(out)], cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stderr.readline()  # printed once the server listens
        assert line.startswith("aligner: review at http://127.0.0.1:"), line
        port = int(line.split("127.0.0.1:")[1].split("/")[0])
        server = type("S", (), {"port": port})()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/")
        server.token = page_data(conn.getresponse().read().decode("utf-8"))["token"]
        conn.close()
        assert post(server, edited_json(small())) == (200, {"saved": str(out), "beads": 5, "edited": 2})
        assert read(out, "json").beads[1].edited
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest = proc.communicate(timeout=20)[1]
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0
    assert "stopped; 1 save(s) written to" in rest


# ------------------------------------------------------------ in a real browser

@pytest.fixture(scope="module")
def seeds():
    from aligner.review import align_for_review

    return align_for_review(FR.read_text(encoding="utf-8"), AR.read_text(encoding="utf-8"))


@pytest.fixture
def browser(tmp_path, monkeypatch):
    chromium = chromium_binary()
    if chromium is None:
        pytest.skip(NO_CHROMIUM)
    profile = tmp_path / "profile"
    profile.mkdir()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = chrome(chromium, profile, monkeypatch, downloads=downloads)
    if driver is None:
        pytest.skip("selenium or chromedriver missing (pip install selenium; apt-get install chromium-driver)")
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def keys(driver, text):
    from selenium.webdriver.common.action_chains import ActionChains

    for key in text:
        ActionChains(driver).send_keys(key).perform()


def state(driver):
    return driver.execute_script("return window.alignerReview.state()")


def wait_for(check, seconds=20.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError("timed out")


def bead_tuples(alignment):
    return [(b.source, b.target) for b in alignment.beads]


def test_review_seeds_with_keyboard_and_mouse(seeds, browser, tmp_path):
    """A 2-1 bead split and a boundary moved with the keys, a merge and a ✂ with the mouse; downloaded and read back."""
    alignment, band = seeds
    assert alignment.beads[1].kind == "2-1"  # the seeds' bead 1 joins French 1-2 to Arabic 1
    page = tmp_path / "seeds.review.html"
    page.write_text(review_page(alignment, similarity=band, filename="fixed.json"), encoding="utf-8")
    browser.get(page.as_uri())
    wait_for(lambda: browser.execute_script("return document.body.dataset.ready"))
    assert state(browser)["current"] == 0

    keys(browser, "js")  # bead 1, split after its first French sentence
    after_split = state(browser)["beads"]
    assert len(after_split) == len(alignment.beads) + 1
    first, second = after_split[1], after_split[2]
    # French 1 and 2 apart; Arabic 1 with one of them, where the matrix says.
    assert (first[0], first[1], second[0], second[1]) == (1, 1, 2, 1)
    assert first[3] + second[3] == 1 and first[4] and second[4]
    keys(browser, "zy")  # undo and redo
    assert state(browser)["beads"] == after_split

    # The target boundary under bead 2 one sentence down: it takes Arabic 2, the
    # next bead's (a 0-1), which is left empty and goes.
    keys(browser, "j}")
    s = state(browser)
    assert s["beads"][2][2:4] == [second[2], second[3] + 1]
    assert len(s["beads"]) == len(alignment.beads)

    # With the mouse: French 3 (no counterpart) merged with the next bead by the
    # toolbar, then cut apart again by the ✂ between its sentences.
    k3 = [b[:4] for b in s["beads"]].index([3, 1, 3, 0])
    browser.find_element("css selector", f'.bead[data-k="{k3}"] .n').click()
    browser.find_element("id", "merge").click()
    assert state(browser)["beads"][k3] == [3, 2, 3, 1, True]
    browser.find_element("css selector", f'.bead[data-k="{k3}"] button.cut').click()
    s = state(browser)
    # Back to the two beads of the alignment, which get their scores back, not edited.
    assert s["beads"][k3:k3 + 2] == [[3, 1, 3, 0, False], [4, 1, 3, 1, False]]

    browser.find_element("id", "save").click()
    saved_path = wait_for(lambda: next(iter(browser.downloads.glob("fixed*.json")), None))
    wait_for(lambda: saved_path.read_text(encoding="utf-8").endswith("}\n"))
    saved = read(saved_path, "json")
    # Every sentence once, in order (the reader checks), and the same text.
    assert saved.source_sentences == alignment.source_sentences
    assert saved.target_sentences == alignment.target_sentences
    assert [i for b in saved.beads for i in b.source] == list(range(len(alignment.source_sentences)))
    assert [j for b in saved.beads for j in b.target] == list(range(len(alignment.target_sentences)))
    with_first = bool(first[3])  # Arabic 1 went with French 1
    split = [((1,), (1,) if with_first else ()), ((2,), (2,) if with_first else (1, 2))]
    assert bead_tuples(saved) == [bead_tuples(alignment)[0], *split, *bead_tuples(alignment)[3:]]
    original = {(b.source, b.target): b.score for b in alignment.beads}
    for b in saved.beads:
        if (b.source, b.target) in original:  # untouched: its score exactly, not edited
            assert not b.edited and b.score == original[(b.source, b.target)]
        else:
            assert b.edited and b.score == 0.0
    assert sum(b.edited for b in saved.beads) == 2
    assert saved.metadata == alignment.metadata


def test_review_served_saves_the_file(seeds, browser, tmp_path):
    alignment, band = seeds
    out = tmp_path / "served.json"
    with ReviewServer(alignment, out, similarity=band) as server:
        browser.get(server.url)
        wait_for(lambda: browser.execute_script("return document.body.dataset.ready"))
        keys(browser, "jx")  # bead 1 (2-1): French 1 has no counterpart
        browser.find_element("id", "save").click()
        wait_for(lambda: out.exists() and "saved to" in browser.find_element("id", "status").text)
        # A save from a page of another origin (the file:// page) is refused by the server.
        other = tmp_path / "other.html"
        other.write_text("<html><body>other</body></html>", encoding="utf-8")
        browser.get(other.as_uri())
        browser.set_script_timeout(10)
        refused = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"fetch('{server.url}save', {{method: 'POST', body: '{{}}', headers: {{'Content-Type': 'application/json',"
            f"'X-Aligner-Token': '{server.token}'}}}}).then(r => done('status ' + r.status), e => done('blocked'));"
        )
        assert refused == "blocked"
        assert server.saves == 1
    saved = read(out, "json")
    assert bead_tuples(saved)[:3] == [((0,), (0,)), ((1,), ()), ((2,), (1,))]
    assert [b.edited for b in saved.beads[:3]] == [False, True, True]
    assert bead_tuples(saved)[3:] == bead_tuples(alignment)[2:]


def test_hostile_text_stays_text(browser, tmp_path):
    page = tmp_path / "hostile.html"
    page.write_text(review_page(small(), similarity=np.full((3, 4), 0.5, dtype=np.float32)), encoding="utf-8")
    browser.get(page.as_uri())
    wait_for(lambda: browser.execute_script("return document.body.dataset.ready"))
    probe = browser.execute_script(
        "return {pwned: window.pwned === undefined ? null : window.pwned,"
        " imgs: document.querySelectorAll('#beads img, #beads script').length,"
        " texts: [...document.querySelectorAll('.side.src .s')].map(s => s.childNodes[1].textContent)};"
    )
    assert probe == {"pwned": None, "imgs": 0, "texts": HOSTILE}
    keys(browser, "jm")  # edits re-render the rows: still text
    assert browser.execute_script("return window.pwned === undefined && !document.querySelector('#beads img')")
    saved = json.loads(browser.execute_script("return window.alignerReview.toJSON()"))
    assert saved["source_sentences"] == HOSTILE


def test_boundary_keys_pinned(browser, tmp_path):
    page = tmp_path / "small.html"
    page.write_text(review_page(small(), similarity=np.full((3, 4), 0.5, dtype=np.float32)), encoding="utf-8")
    browser.get(page.as_uri())
    wait_for(lambda: browser.execute_script("return document.body.dataset.ready"))
    start = state(browser)["beads"]
    assert start == [[0, 1, 0, 1, False], [1, 2, 1, 1, False], [3, 0, 2, 1, False], [3, 0, 3, 1, False]]
    keys(browser, "j[")  # bead 1 gives its last source sentence to bead 2
    assert state(browser)["beads"][1:3] == [[1, 1, 1, 1, True], [2, 1, 2, 1, True]]
    keys(browser, "{")  # and its target sentence: bead 1 is French 1 alone
    assert state(browser)["beads"][1:3] == [[1, 1, 1, 0, True], [2, 1, 1, 2, True]]
    keys(browser, "]")  # bead 1 takes back French 2: a side alone is a bead a sentence
    assert state(browser)["beads"][1:] == [[1, 1, 1, 0, True], [2, 1, 1, 0, True], [3, 0, 1, 1, True],
                                           [3, 0, 2, 1, False], [3, 0, 3, 1, False]]
    keys(browser, "}")  # bead 2 (French 1 alone) has no target sentence to give
    assert "bead 2 has no target sentence to give" in browser.find_element("id", "status").text
    keys(browser, "j}")  # bead 2 takes Arabic 1 from bead 3, left empty: it goes
    assert state(browser)["beads"][1:] == [[1, 1, 1, 0, True], [2, 1, 1, 1, True], [3, 0, 2, 1, False],
                                           [3, 0, 3, 1, False]]
    keys(browser, "zzzz")
    assert state(browser)["beads"] == start and state(browser)["redo"] == 4
    keys(browser, "z")
    assert "nothing to undo" in browser.find_element("id", "status").text
    keys(browser, "jjj]")  # the last bead has no boundary under it
    assert "the last bead has no boundary under it" in browser.find_element("id", "status").text
    assert state(browser)["beads"] == start


RANDOM_EDITS = """
const [keys, steps, seed] = arguments;
let x = seed;
const press = (key) => document.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
const broken = [];
for (let q = 0; q < steps; q++) {
  x = (x * 1103515245 + 12345) % 2147483648;  // a fixed sequence: the same run every time
  press(keys[x % keys.length]);
  // The invariant after every key: each sentence in one bead, in order; no bead empty.
  let s = 0, t = 0;
  for (const [s0, ns, t0, nt] of window.alignerReview.state().beads) {
    if (s0 !== s || t0 !== t || ns + nt === 0) { broken.push(q); break; }
    s += ns; t += nt;
  }
}
return {broken, state: window.alignerReview.state(), json: window.alignerReview.toJSON()};
"""


def test_random_edits_keep_the_invariant(browser, tmp_path):
    """Hundreds of key presses drawn at random: after each, every sentence once, in order; the JSON reads back."""
    rng = np.random.default_rng(3)
    n = 30
    beads, i, j = [], 0, 0
    while i < n and j < n:
        a, b = [(1, 1), (2, 1), (1, 2), (1, 0), (0, 1)][rng.integers(5)]
        a, b = min(a, n - i), min(b, n - j)
        if a + b:
            beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), round(float(rng.random()), 3)))
        i, j = i + a, j + b
    beads += [Bead((k,), ()) for k in range(i, n)] + [Bead((), (k,)) for k in range(j, n)]
    a = Alignment([f"s{k}" for k in range(n)], [f"t{k}" for k in range(n)], beads, "en", "fr")
    page = tmp_path / "random.html"
    page.write_text(review_page(a, similarity=rng.random((n, n)).astype(np.float32)), encoding="utf-8")
    browser.get(page.as_uri())
    wait_for(lambda: browser.execute_script("return document.body.dataset.ready"))
    keys = list("msx[]{}zyjklhjjn")
    for seed in (1, 2, 3):
        got = browser.execute_script(RANDOM_EDITS, keys, 300, seed)
        assert got["broken"] == []
        assert got["state"]["undo"] + got["state"]["redo"] > 20  # edits were made, not all refused
        back = read(io.StringIO(got["json"]), "json")
        assert back.source_sentences == a.source_sentences and back.target_sentences == a.target_sentences
        # The page's state and its JSON agree, bead by bead, and edited beads are the new ones.
        assert [[b.source[0] if b.source else None, len(b.source), len(b.target), b.edited] for b in back.beads] == [
            [s0 if ns else None, ns, nt, ed] for s0, ns, t0, nt, ed in got["state"]["beads"]]
        originals = {(b.source, b.target): b.score for b in a.beads}
        for b in back.beads:
            assert b.edited == ((b.source, b.target) not in originals)
            assert b.score == (0.0 if b.edited else originals[(b.source, b.target)])


def test_screenshot_for_the_docs(seeds, browser, tmp_path):
    """The picture in docs/usage.md: ALIGNER_REVIEW_SCREENSHOT=docs/img/review.png makes it again."""
    alignment, band = seeds
    page = tmp_path / "seeds.review.html"
    page.write_text(review_page(alignment, similarity=band, title="ankara.fr.txt ↔ ankara.ar.txt",
                                filename="seeds.fixed.json"), encoding="utf-8")
    browser.set_window_size(1400, 820)
    browser.get(page.as_uri())
    wait_for(lambda: browser.execute_script("return document.body.dataset.ready"))
    keys(browser, "js")  # a split in progress, as a session shows it
    shot = Path(os.environ.get("ALIGNER_REVIEW_SCREENSHOT") or tmp_path / "review.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
