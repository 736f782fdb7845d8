"""The Simplified Chinese catalogue is complete, compiled, and in step with the source.

Simplified Chinese is the default language, so an untranslated msgid shows English to every
officer. After changing a user-facing string run ``make messages``, translate the new entries
in locale/zh_Hans/LC_MESSAGES/django.po and commit the .po together with its compiled .mo.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
ZH_PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
SKIP_DIRS = {".venv", "tests", "migrations", "static", "staticfiles", "artifacts", "scripts", "locale", "node_modules"}


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def _unquote(text: str) -> str:
    # A PO string is a C string; these escapes are a subset of Python's.
    return ast.literal_eval(text)


def parse_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header's fields and the live (not obsolete) entries of a .po file."""
    entries: list[Entry] = []
    entry, key = Entry(), None

    def finish():
        nonlocal entry, key
        if key is not None:
            entries.append(entry)
        entry, key = Entry(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if key is not None:
                finish()
            entry.flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue  # translator and reference comments, obsolete entries (#~)
        elif line.startswith('"'):
            value = _unquote(line)
            if isinstance(key, int):
                entry.msgstr[key] += value
            else:
                setattr(entry, key, getattr(entry, key) + value)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and key is not None and key != "msgctxt":
                finish()  # entries not separated by a blank line
            if keyword.startswith("msgstr"):
                key = int(keyword[7:-1]) if "[" in keyword else 0
                entry.msgstr[key] = _unquote(rest)
            else:
                key = keyword
                setattr(entry, key, _unquote(rest))
    finish()

    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    fields = {}
    if header is not None:
        entries.remove(header)
        for row in header.msgstr.get(0, "").splitlines():
            name, _, value = row.partition(":")
            fields[name.strip()] = value.strip()
    return fields, entries


@pytest.fixture(scope="module")
def zh_catalogue():
    return parse_po(ZH_PO)


def test_the_chinese_catalogue_header_declares_its_language_charset_and_one_plural_form(zh_catalogue):
    header, _ = zh_catalogue
    assert header["Language"] == "zh_Hans"
    assert "charset=UTF-8" in header["Content-Type"]
    assert header["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_the_english_catalogue_has_a_valid_header():
    header, entries = parse_po(EN_PO)
    assert header["Language"] == "en"
    assert "charset=UTF-8" in header["Content-Type"]
    assert entries, "the English catalogue is empty: run `make messages`"


def test_every_msgid_has_a_chinese_translation(zh_catalogue):
    _, entries = zh_catalogue
    assert len(entries) > 100, "the catalogue looks truncated"
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    assert not untranslated, f"msgids without a zh_Hans msgstr in {ZH_PO.relative_to(ROOT)}: {untranslated}"


def test_no_chinese_translation_is_marked_fuzzy(zh_catalogue):
    _, entries = zh_catalogue
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries are not used at run time; check and unflag them: {fuzzy}"


def test_plural_entries_have_exactly_the_one_chinese_form(zh_catalogue):
    _, entries = zh_catalogue
    wrong = [e.msgid for e in entries if e.msgid_plural is not None and sorted(e.msgstr) != [0]]
    assert not wrong, f"zh_Hans has nplurals=1, so a plural entry has only msgstr[0]: {wrong}"


PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%[sdif]|\{\{\s*\w+\s*\}\}")


def test_every_translation_keeps_the_placeholders_of_its_msgid(zh_catalogue):
    _, entries = zh_catalogue
    broken = [
        (e.msgid, text)
        for e in entries
        for text in e.msgstr.values()
        if text and sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e.msgid))
    ]
    assert not broken, f"translations that lose or add a placeholder: {broken}"


def test_the_compiled_chinese_catalogue_gives_the_translations_of_the_po(zh_catalogue):
    # Django reads only the .mo: a .po edited without `compilemessages` shows English.
    _, entries = zh_catalogue
    stale = []
    with translation.override("zh-hans"):
        for e in entries:
            if not e.msgstr.get(0):
                continue  # reported by the completeness test
            if e.msgid_plural is not None:
                got = translation.ngettext(e.msgid, e.msgid_plural, 2)
            elif e.msgctxt is not None:
                got = translation.pgettext(e.msgctxt, e.msgid)
            else:
                got = translation.gettext(e.msgid)
            if got != e.msgstr[0]:
                stale.append(e.msgid)
    assert not stale, f"django.mo is older than django.po, run `make messages`: {stale}"


# --- The source's literal msgids are all in the catalogue -----------------------------------
#
# Conservative on purpose: only single-line string literals without backslashes or nested
# quotes, so a miss here is a real string that `make messages` has not yet collected.

PY_CALL = re.compile(
    r"""(?<![\w.])(?:translation\.)?(?:_|gettext|gettext_lazy|gettext_noop|ngettext|ngettext_lazy)"""
    r"""\(\s*"([^"\\\n]+)"\s*[,)]"""
)
QUOTED = r"""(["'])((?:(?!\1)[^\\\n])+)\1"""  # group 2: the text between matching quotes
TEMPLATE_UNDERSCORE = re.compile(r"(?<![\w.])_\(" + QUOTED + r"\)")
TEMPLATE_TRANSLATE = re.compile(r"\{%\s*trans(?:late)?\s+" + QUOTED + r"([^%\n]*)%\}")
TEMPLATE_BLOCK = re.compile(r"""\{%\s*blocktrans(?:late)?\b([^%\n]*)%\}([^\n]*?)\{%\s*endblocktrans(?:late)?\s*%\}""")
TEMPLATE_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _project_files(suffix: str):
    for path in ROOT.rglob(f"*{suffix}"):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def _block_msgid(text: str) -> str | None:
    if "{%" in text or "{{" in TEMPLATE_VAR.sub("", text):
        return None  # a tag or a filtered variable inside: leave it to makemessages
    return TEMPLATE_VAR.sub(r"%(\1)s", text.replace("%", "%%"))


def source_msgids() -> dict[str, str]:
    """Literal msgids in the project's Python and templates, each with the file it came from."""
    found: dict[str, str] = {}
    for path in _project_files(".py"):
        for m in PY_CALL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group(1), str(path.relative_to(ROOT)))
    for path in _project_files(".html"):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        for m in TEMPLATE_UNDERSCORE.finditer(text):
            found.setdefault(m.group(2), where)
        for m in TEMPLATE_TRANSLATE.finditer(text):
            if "context" not in m.group(3):
                # Like blocktranslate, {% translate %} looks its msgid up with every % doubled.
                found.setdefault(m.group(2).replace("%", "%%"), where)
        for m in TEMPLATE_BLOCK.finditer(text):
            options, body = m.group(1), m.group(2)
            if "context" in options or "trimmed" in options:
                continue
            singular = body.split("{% plural %}")[0] if "count" in options else body
            msgid = _block_msgid(singular)
            if msgid:
                found.setdefault(msgid, where)
    return found


def test_the_source_scan_finds_the_strings_it_is_meant_to_find():
    found = source_msgids()
    # One of each kind: _() in Python, {% translate %}, _() in a template, blocktranslate.
    assert found.get("Standard address") == "grid/forms.py"
    assert found.get("Enter the full standard address.") == "grid/forms.py"
    assert "Log in" in found
    assert "If you did not make these attempts, tell your station's administrator." in found
    assert "no officer" in found
    assert "Page %(n)s of %(total)s" in found
    assert "%(n)s address" in found
    assert len(found) > 100


def test_every_literal_msgid_in_the_source_is_in_the_chinese_catalogue(zh_catalogue):
    _, entries = zh_catalogue
    known = {e.msgid for e in entries}
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in source_msgids().items() if msgid not in known)
    assert not missing, "strings not in the catalogue, run `make messages` and translate them:\n" + "\n".join(missing)
